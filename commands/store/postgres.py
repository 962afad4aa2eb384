"""The PostgreSQL event log: eventsourcing's recorder plus idempotency records.

It keeps eventsourcing's insert path (the ``EXCLUSIVE`` table lock that keeps the global order
gap-free for readers) and adds, in the same transaction, the idempotency records of the
requests whose events are being inserted. It also reads the new events of many streams in one
query, so a writer can bring its cached aggregates up to date once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from commands.store.replies import IdempotencyRecord, StoredReply

IDEMPOTENCY_TABLE = "ingest_idempotency"


class PostgresEventLog(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        replies = Identifier(IDEMPOTENCY_TABLE)
        events = Identifier(self.events_table_name)
        self._insert_replies = SQL(
            "INSERT INTO {schema}.{replies} "
            "(tenant_id, key, request_sha256, status, reply, position, created_at) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::bytea[], "
            "%s::bigint[], %s::timestamptz[]) RETURNING 1"
        ).format(schema=schema, replies=replies)
        self._select_replies = SQL(
            "SELECT r.tenant_id, r.key, r.request_sha256, r.status, r.reply, r.position "
            "FROM {schema}.{replies} r "
            "JOIN unnest(%s::text[], %s::text[]) AS k(tenant_id, key) "
            "ON r.tenant_id = k.tenant_id AND r.key = k.key"
        ).format(schema=schema, replies=replies)
        self._select_after = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM {schema}.{events} e "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS h(id, version) "
            "ON e.originator_id = h.id AND e.originator_version > h.version "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(schema=schema, events=events)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency") or ()
        if records and ids:
            positions = {
                (event.originator_id, event.originator_version): position
                for event, position in zip(stored_events, ids, strict=True)
            }
            curs.execute(
                self._insert_replies,
                (
                    [r.tenant_id for r in records],
                    [r.key for r in records],
                    [r.request_sha256 for r in records],
                    [r.status for r in records],
                    [r.reply for r in records],
                    [positions[(r.stream_id, r.version)] for r in records],
                    [r.created_at for r in records],
                ),
            )
            # Fetching forces the pipeline to report a duplicate key here, inside the
            # recorder's error handling, rather than at commit.
            curs.fetchall()
        return ids

    def lookup_replies(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StoredReply]:
        if not keys:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_replies, ([k[0] for k in keys], [k[1] for k in keys]))
            return {
                (row["tenant_id"], row["key"]): StoredReply(
                    request_sha256=row["request_sha256"],
                    status=row["status"],
                    reply=bytes(row["reply"]),
                    position=row["position"],
                )
                for row in curs.fetchall()
            }

    def select_events_after(self, heads: list[tuple[UUID, int]]) -> list[StoredEvent]:
        if not heads:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_after, ([h[0] for h in heads], [h[1] for h in heads]))
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
