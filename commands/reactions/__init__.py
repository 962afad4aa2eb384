"""Reactions: following what happened and causing effects, each exactly once in effect.

- ``when_alert_raised_quarantine_session``: follows the log (its row of
  ``projection_positions``); quarantines the session of a critical alert (a PolicyDesk command).
- ``when_alert_raised_notify``: follows the log (its row); ``notify_alert`` jobs to chat webhooks.
- ``relay``: follows the log (row ``relay:nats``); publishes it to NATS JetStream in its public
  form, the stream's contract (``relay.public_events``).
- ``scoring``: follows the stream (durable consumer ``ml-scoring``); records the assessments of
  the tenant's promoted models (``RecordAssessment``).

Every one keeps the contract in ``runner`` (name, what it follows, ``run(stop)``). What a
reaction needs from a package of its own layer (the models of ``ml``, the job broker's actor)
is passed in by the composition root, ``workers.bootstrap``; ``workers`` runs them.
"""
