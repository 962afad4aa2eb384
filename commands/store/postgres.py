"""The PostgreSQL event log: eventsourcing's recorder, tuned for group commit.

It keeps what eventsourcing's insert guarantees (the ``EXCLUSIVE`` table lock that keeps the
global order gap-free for readers, NOTIFY on insert, the (stream, version) key that refuses a
stale writer) and adds, in the same transaction, the idempotency records of the requests whose
events are inserted. Both the insert and the reads a writer needs before a batch (stored
replies, newer events of cached streams, snapshot + events of cold ones) take one round trip
each: on a machine where a round trip costs a millisecond, round trips are the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from commands.store.replies import IdempotencyRecord, Prefetched, StoredReply

IDEMPOTENCY_TABLE = "ingest_idempotency"


class PostgresEventLog(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        replies = Identifier(IDEMPOTENCY_TABLE)
        events = Identifier(self.events_table_name)
        # One function call inserts a batch: it locks the table, inserts the events (four
        # plain arrays sent in binary: eventsourcing sends one array of composites, which
        # psycopg dumps as escaped text field by field), inserts the idempotency records
        # naming the positions the events received, and notifies. Called in autocommit, the
        # call is its own transaction, so the lock is held until its commit: one statement,
        # one round trip, and none of the driver's per-statement cost of a pipeline
        # (BEGIN, SET, LOCK, NOTIFY, INSERT, COMMIT cost ~4x the CPU of one call).
        insert_function = Identifier(f"{self.events_table_name}_insert")
        self.sql_create_statements.append(SQL(INSERT_FUNCTION).format(
            schema=schema, function=insert_function, events=events, replies=replies,
            channel=Literal(self.channel_name),
        ))  # fmt: skip
        self._insert_all = SQL(
            "SELECT * FROM {schema}.{function}("
            "%b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::text[], %b::text[],"
            " %b::text[], %b::int[], %b::bytea[], %b::uuid[], %b::bigint[], %b::timestamptz[],"
            " %b::text)"
        ).format(schema=schema, function=insert_function)
        self._select_replies = SQL(
            "SELECT r.tenant_id, r.key, r.request_sha256, r.status, r.reply, r.position "
            "FROM {schema}.{replies} r "
            "JOIN unnest(%s::text[], %s::text[]) AS k(tenant_id, key) "
            "ON r.tenant_id = k.tenant_id AND r.key = k.key"
        ).format(schema=schema, replies=replies)
        # LATERAL keeps every lookup on the primary key, whatever the planner's statistics say.
        self._select_after = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS h(id, version) "
            "CROSS JOIN LATERAL (SELECT * FROM {schema}.{events} x "
            "  WHERE x.originator_id = h.id AND x.originator_version > h.version "
            "  ORDER BY x.originator_version) e"
        ).format(schema=schema, events=events)
        # A cold stream: its latest snapshot, then the events after it, in one statement
        # (one database snapshot, so a snapshot taken meanwhile cannot open a gap).
        snapshots = Identifier(self.events_table_name.removesuffix("_events") + "_snapshots")
        self._select_cold = SQL(
            "WITH latest AS ("
            "  SELECT h.id, s.originator_version, s.topic, s.state"
            "  FROM unnest(%s::uuid[]) AS h(id)"
            "  LEFT JOIN LATERAL (SELECT * FROM {schema}.{snapshots} x"
            "    WHERE x.originator_id = h.id ORDER BY x.originator_version DESC LIMIT 1) s"
            "  ON true)"
            " SELECT 0 AS kind, id AS originator_id, originator_version, topic, state"
            " FROM latest WHERE originator_version IS NOT NULL"
            " UNION ALL"
            " SELECT 1, e.originator_id, e.originator_version, e.topic, e.state FROM latest l"
            " CROSS JOIN LATERAL (SELECT * FROM {schema}.{events} x"
            "   WHERE x.originator_id = l.id"
            "   AND x.originator_version > COALESCE(l.originator_version, 0)) e"
            " ORDER BY originator_id, kind, originator_version"
        ).format(schema=schema, snapshots=snapshots, events=events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Inserts events (and idempotency records) in one transaction and one round trip.

        Same guarantees as eventsourcing's insert (the table is locked ``IN EXCLUSIVE MODE``
        so commit order equals position order and readers never skip an event; a NOTIFY
        wakes readers), in one call of the insert function (``INSERT_FUNCTION``): the lock
        is held for the server's work only, not for client round trips.
        """
        if not stored_events:
            return []
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency") or ()
        params = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
            [r.tenant_id for r in records],
            [r.key for r in records],
            [r.request_sha256 for r in records],
            [r.status for r in records],
            [r.reply for r in records],
            [r.stream_id for r in records],
            [r.version for r in records],
            [r.created_at for r in records],
            f"{self.datastore.lock_timeout}s",
        )
        with self.datastore.get_connection() as conn:
            if not conn.autocommit:  # the call must be its own transaction (see __init__)
                raise RuntimeError("the event log's connections must be in autocommit mode")
            rows = conn.execute(self._insert_all, params, prepare=True).fetchall()
        positions = {(row["originator_id"], row["originator_version"]): row["notification_id"]
                     for row in rows}  # fmt: skip
        return [positions[(e.originator_id, e.originator_version)] for e in stored_events]

    def stream_positions(self, stream_id: UUID) -> dict[int, int]:
        """Version -> global position of every event of one stream."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                SQL("SELECT originator_version, notification_id FROM {schema}.{events}"
                    " WHERE originator_id = %s").format(
                    schema=Identifier(self.datastore.schema),
                    events=Identifier(self.events_table_name)),
                (stream_id,),
            ).fetchall()  # fmt: skip
        return {int(r["originator_version"]): int(r["notification_id"]) for r in rows}

    def notify(self, channel: str, payload: str) -> None:
        """A wake-up for LISTENers of ``channel`` (sent after a commit, best effort)."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    def prefetch(
        self,
        keys: list[tuple[str, str]],
        heads: list[tuple[UUID, int]],
        cold: list[UUID],
    ) -> Prefetched:
        """Replies, newer events of cached streams and cold streams: one round trip."""
        with self.datastore.get_connection() as conn:
            cursors = [conn.cursor() for _ in range(3)]
            with conn.pipeline():
                if keys:
                    cursors[0].execute(
                        self._select_replies,
                        ([k[0] for k in keys], [k[1] for k in keys]),
                        prepare=True,
                    )
                if heads:
                    cursors[1].execute(
                        self._select_after,
                        ([h[0] for h in heads], [h[1] for h in heads]),
                        prepare=True,
                    )
                if cold:
                    cursors[2].execute(self._select_cold, (cold,), prepare=True)
            replies = {
                (row["tenant_id"], row["key"]): StoredReply(
                    request_sha256=row["request_sha256"],
                    status=row["status"],
                    reply=bytes(row["reply"]),
                    position=row["position"],
                )
                for row in (cursors[0].fetchall() if keys else [])
            }
            newer = [_stored(row) for row in cursors[1].fetchall()] if heads else []
            loaded = [_stored(row) for row in cursors[2].fetchall()] if cold else []
            for cursor in cursors:
                cursor.close()
        return Prefetched(replies, newer, loaded)


INSERT_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(
  ids uuid[], versions bigint[], topics text[], states bytea[],
  r_tenant text[], r_key text[], r_sha text[], r_status int[], r_reply bytea[],
  r_stream uuid[], r_version bigint[], r_created timestamptz[], wait_for_lock text)
RETURNS TABLE (originator_id uuid, originator_version bigint, notification_id bigint)
LANGUAGE plpgsql AS $body$
#variable_conflict use_column
BEGIN
  PERFORM set_config('lock_timeout', wait_for_lock, true);
  LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;
  PERFORM pg_notify({channel}, '');
  IF cardinality(r_key) = 0 THEN
    RETURN QUERY
      INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
      SELECT * FROM unnest(ids, versions, topics, states)
      RETURNING originator_id, originator_version, notification_id;
  ELSE
    RETURN QUERY
      WITH inserted AS (
        INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING originator_id, originator_version, notification_id),
      kept AS (
        INSERT INTO {schema}.{replies}
          (tenant_id, key, request_sha256, status, reply, position, created_at)
        SELECT r.tenant_id, r.key, r.sha, r.status, r.reply, i.notification_id, r.created
        FROM unnest(r_tenant, r_key, r_sha, r_status, r_reply, r_stream, r_version,
                    r_created)
             AS r(tenant_id, key, sha, status, reply, stream_id, version, created)
        JOIN inserted i ON i.originator_id = r.stream_id AND i.originator_version = r.version
        RETURNING 1)
      SELECT i.originator_id, i.originator_version, i.notification_id FROM inserted i;
  END IF;
END
$body$
"""
"""The batch insert (see ``PostgresEventLog.insert_events``), created with the event tables.
The idempotency table (a migration) is only named in the branch that writes records."""


def _stored(row: DictRow) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )
