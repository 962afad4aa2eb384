"""The ``ModelLineup`` aggregate: which version of a kind is promoted, per tenant.

One stream per (tenant, kind), so finding the promoted version needs no query, and two
operators promoting at once cannot both win: the second save conflicts and is retried on fresh
state. The versions themselves say what happened to them (``ModelVersion.Promoted/Retired``);
the lineup only points at the current one.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

_NAMESPACE = uuid5(NAMESPACE_URL, "https://observatory.dev/streams/model-lineup")


def lineup_id(tenant_id: str, kind: str) -> UUID:
    return uuid5(_NAMESPACE, f"{tenant_id}/{kind}")


class ModelLineup(Aggregate):
    """Invariant: points at no version or at one promoted version of its kind."""

    class Started(Aggregate.Created):
        tenant_id: str
        kind: str

    class Changed(Aggregate.Event):
        tenant_id: str
        kind: str
        promoted: str | None
        by: str

        def apply(self, aggregate: ModelLineup) -> None:
            aggregate.promoted = UUID(self.promoted) if self.promoted else None

    @staticmethod
    def create_id(tenant_id: str, kind: str) -> UUID:
        return lineup_id(tenant_id, kind)

    def __init__(self, tenant_id: str, kind: str) -> None:
        self.tenant_id, self.kind = tenant_id, kind
        self.promoted: UUID | None = None

    def point_to(self, version_id: UUID | None, by: str) -> None:
        if version_id == self.promoted:
            return
        self.trigger_event(self.Changed, tenant_id=self.tenant_id, kind=self.kind,
                           promoted=str(version_id) if version_id else None, by=by)  # fmt: skip
