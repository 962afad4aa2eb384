"""Failure prediction: a small GRU over per-event feature vectors.

At every event the model outputs P(a failure point within the next ``horizon`` events), where a
failure point is a run of tool failures, a StopFailure, a quarantine or an abandonment (see
``ml.training.labels``). Inputs are standardised with the training mean and std stored in the
artifact. Streaming use keeps one hidden vector per session (``step``), so each event costs one
GRU cell, batched across sessions. Invariants: training is deterministic for a seed (seeded init
and shuffling, deterministic algorithms, a fixed thread count); loading refuses another schema.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from ml.features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION
from ml.models.artifact import ModelArtifact

__all__ = ["FailureModel", "FailureNet"]

KIND = "failure-gru"
VERSION = "1"
Progress = Callable[[str, float], None]


class FailureNet(nn.Module):
    """GRU encoder and a linear head giving one logit per time step."""

    def __init__(self, n_features: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(
        self, x: torch.Tensor, h: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        out, h_n = self.gru(x, h)
        return self.head(out).squeeze(-1), h_n


class _Deterministic:
    """Seeds torch, pins the thread count and enables deterministic algorithms for a block."""

    def __init__(self, seed: int, threads: int) -> None:
        self.seed, self.threads = seed, threads

    def __enter__(self) -> None:
        self._threads = torch.get_num_threads()
        self._det = torch.are_deterministic_algorithms_enabled()
        torch.set_num_threads(self.threads)
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self._threads)
        torch.use_deterministic_algorithms(self._det)


class FailureModel:
    """A trained ``FailureNet`` with its input standardisation and severity thresholds."""

    def __init__(
        self,
        net: FailureNet,
        mean: npt.NDArray[np.float32],
        std: npt.NDArray[np.float32],
        horizon: int,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.net, self.mean, self.std, self.horizon = net.eval(), mean, std, horizon
        self.thresholds = dict(thresholds or {})

    @property
    def hidden_size(self) -> int:
        """Size of the per-session hidden vector ``step`` carries."""
        return int(self.net.gru.hidden_size)

    @classmethod
    def fit(
        cls,
        sequences: Sequence[npt.NDArray[np.float32]],
        labels: Sequence[npt.NDArray[np.bool_]],
        *,
        horizon: int,
        seed: int = 0,
        hidden: int = 32,
        epochs: int = 6,
        batch_size: int = 32,
        lr: float = 5e-3,
        threads: int = 1,
        progress: Progress | None = None,
    ) -> FailureModel:
        """Train on whole sessions (padded and masked), deterministically for ``seed``."""
        stacked = np.concatenate(sequences)
        mean = stacked.mean(axis=0).astype(np.float32)
        std = np.maximum(stacked.std(axis=0), 1e-3).astype(np.float32)
        positives = float(np.concatenate(labels).mean())
        pos_weight = torch.tensor(min(10.0, (1.0 - positives) / max(positives, 1e-6)))
        with _Deterministic(seed, threads):
            net = FailureNet(len(FEATURE_NAMES), hidden)
            optimiser = torch.optim.Adam(net.parameters(), lr=lr)
            loss_fn = nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
            order_rng = np.random.default_rng(seed)
            by_length = np.argsort([len(s) for s in sequences], kind="stable")
            batches = [by_length[i : i + batch_size] for i in range(0, len(by_length), batch_size)]
            for epoch in range(epochs):
                net.train()
                total = 0.0
                for b in order_rng.permutation(len(batches)):
                    x, y, mask = _pad(batches[b], sequences, labels, mean, std)
                    logits, _ = net(x)
                    loss = (loss_fn(logits, y) * mask).sum() / mask.sum()
                    optimiser.zero_grad()
                    loss.backward()
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                    optimiser.step()
                    total += float(loss.detach())
                if progress is not None:
                    mean_loss = total / len(batches)
                    stage = f"failure model epoch {epoch + 1}/{epochs} loss {mean_loss:.4f}"
                    progress(stage, (epoch + 1) / epochs)
        return cls(net, mean, std, horizon)

    def _scale(self, x: npt.NDArray[np.float32]) -> torch.Tensor:
        return torch.from_numpy(((x - self.mean) / self.std).astype(np.float32))

    def predict_sequence(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """P(failure within the horizon) after every event of one session."""
        with torch.inference_mode():
            logits, _ = self.net(self._scale(x).unsqueeze(0))
        return torch.sigmoid(logits[0]).double().numpy()

    def step(
        self, x: npt.NDArray[np.float32], hidden: npt.NDArray[np.float32] | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float32]]:
        """One event for each of B sessions: ``x`` (B, F), ``hidden`` (B, H) or None at start."""
        rows = np.atleast_2d(x)
        h = None if hidden is None else torch.from_numpy(np.atleast_2d(hidden)).unsqueeze(0)
        with torch.inference_mode():
            logits, h_n = self.net(self._scale(rows).unsqueeze(1), h)
        return torch.sigmoid(logits[:, 0]).double().numpy(), h_n[0].numpy().copy()

    def to_artifact(self, metrics: dict[str, float] | None = None) -> ModelArtifact:
        """Serialise the state dict (``torch.save`` into bytes) with standardisation stats."""
        buffer = io.BytesIO()
        state = dict(self.net.state_dict())
        state["_mean"], state["_std"] = torch.from_numpy(self.mean), torch.from_numpy(self.std)
        torch.save(state, buffer)
        return ModelArtifact(
            kind=KIND,
            version=VERSION,
            feature_schema_version=FEATURE_SCHEMA_VERSION,
            feature_names=FEATURE_NAMES,
            thresholds=self.thresholds,
            metrics=dict(metrics or {}),
            params={"hidden": self.hidden_size, "horizon_events": self.horizon},
            payload=buffer.getvalue(),
        )

    @classmethod
    def from_artifact(cls, artifact: ModelArtifact) -> FailureModel:
        """Load a model written by ``to_artifact`` (tensors only: ``weights_only=True``)."""
        if artifact.kind != KIND or artifact.feature_schema_version != FEATURE_SCHEMA_VERSION:
            raise ValueError(f"cannot load {artifact.kind} on {artifact.feature_schema_version}")
        state = torch.load(io.BytesIO(artifact.payload), weights_only=True)
        mean, std = state.pop("_mean").numpy(), state.pop("_std").numpy()
        net = FailureNet(len(FEATURE_NAMES), int(artifact.params["hidden"]))
        net.load_state_dict(state)
        return cls(net, mean, std, int(artifact.params["horizon_events"]), artifact.thresholds)


def _pad(
    index: npt.NDArray[np.intp],
    sequences: Sequence[npt.NDArray[np.float32]],
    labels: Sequence[npt.NDArray[np.bool_]],
    mean: npt.NDArray[np.float32],
    std: npt.NDArray[np.float32],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    length = max(len(sequences[i]) for i in index)
    x = np.zeros((len(index), length, len(mean)), dtype=np.float32)
    y = np.zeros((len(index), length), dtype=np.float32)
    mask = np.zeros((len(index), length), dtype=np.float32)
    for row, i in enumerate(index):
        n = len(sequences[i])
        x[row, :n] = (sequences[i] - mean) / std
        y[row, :n] = labels[i]
        mask[row, :n] = 1.0
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask)
