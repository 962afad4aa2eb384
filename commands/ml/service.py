"""The ModelRegistry: commands on model versions. One method per command.

Promotion is per tenant and kind: promoting a version points the (tenant, kind) lineup at it
and retires the version it replaces, in one atomic save; retiring the promoted version leaves
the kind with no promoted version (the scorer then records nothing for that kind). A lost
race with another operator is retried on fresh state.

``promoted`` and ``version`` are lookups by stream id (no query): what a scoring worker asks
before it scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from commands.ml.messages import PromoteModel, RegisterTrainedModel, RetireModel
from commands.store.application import EventStoreApplication
from domain.ml.errors import ModelVersionExistsError, ModelVersionNotFoundError
from domain.ml.lineup import ModelLineup, lineup_id
from domain.ml.model_version import ModelVersion, model_version_id


@dataclass(frozen=True)
class Registered:
    position: int
    """Global position of the last event the command recorded."""
    version_id: UUID | None = None


class ModelRegistry(EventStoreApplication):
    def register_trained(self, command: RegisterTrainedModel) -> Registered:
        version = ModelVersion.train(
            command.tenant_id, command.kind, command.label, command.metrics,
            command.artifact_sha256, command.feature_schema_version, command.trained_by,
            command.trained_at,
        )  # fmt: skip
        try:
            recordings = self.save(version)
        except IntegrityError:
            raise ModelVersionExistsError(command.kind, command.label) from None
        return Registered(recordings[-1].notification.id, version.id)

    def promote(self, command: PromoteModel) -> Registered:
        def act() -> list[Aggregate]:
            version = self.version(command.tenant_id, command.version_id)
            lineup = self._lineup(command.tenant_id, version.kind)
            touched: list[Aggregate] = [version, lineup]
            previous = lineup.promoted
            version.promote(command.by, previous)
            if previous is not None and previous != version.id:
                replaced = self.version(command.tenant_id, previous)
                replaced.retire(command.by, f"replaced by {version.label}")
                touched.append(replaced)
            lineup.point_to(version.id, command.by)
            return touched

        return Registered(self._retrying(act), command.version_id)

    def retire(self, command: RetireModel) -> Registered:
        def act() -> list[Aggregate]:
            version = self.version(command.tenant_id, command.version_id)
            version.retire(command.by, command.reason)
            lineup = self._lineup(command.tenant_id, version.kind)
            if lineup.promoted == version.id:
                lineup.point_to(None, command.by)
            return [version, lineup]

        return Registered(self._retrying(act), command.version_id)

    def version(self, tenant_id: str, version_id: UUID) -> ModelVersion:
        """One version of the tenant's (ModelVersionNotFoundError: none, or another tenant's)."""
        return self.owned(
            version_id, ModelVersion, tenant_id, ModelVersionNotFoundError(version_id)
        )

    def promoted(self, tenant_id: str, kind: str) -> ModelVersion | None:
        """The tenant's promoted version of a kind (None: nothing promoted)."""
        lineup = self._lineup(tenant_id, kind)
        return self.version(tenant_id, lineup.promoted) if lineup.promoted else None

    def by_label(self, tenant_id: str, kind: str, label: str) -> ModelVersion:
        return self.version(tenant_id, model_version_id(tenant_id, kind, label))

    def _lineup(self, tenant_id: str, kind: str) -> ModelLineup:
        try:
            lineup: ModelLineup = self.repository.get(lineup_id(tenant_id, kind))
        except AggregateNotFoundError:
            lineup = ModelLineup(tenant_id=tenant_id, kind=kind)
        return lineup

    def _retrying(self, act: Callable[[], list[Aggregate]]) -> int:
        for attempt in range(3):
            touched = act()
            try:
                recordings = self.save(*touched)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return recordings[-1].notification.id if recordings else 0
        raise AssertionError("unreachable")
