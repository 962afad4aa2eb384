"""Scoring: the public stream -> the tenant's promoted models -> ``RecordAssessment``.

``worker`` consumes the stream and records; ``scorer`` keeps each session's state and decides
what is worth recording; ``models`` says what it needs from the model code, which the
composition root passes in (``ml.inference.SessionModels``: ``commands`` may not import ``ml``).
"""
