"""``up`` with OBSERVATORY_WORKER_METRICS_PORT: one port per worker child, none for the API
(one shared port left every worker but the first restarting forever: address in use)."""

from __future__ import annotations

from workers.cli.up import METRICS_PORT, _metrics_ports
from workers.supervisor import ChildSpec


def spec(role: str, **env: str) -> ChildSpec:
    return ChildSpec(role, ["observatory", role], env)


def test_each_worker_child_gets_its_own_metrics_port():
    specs = [spec(r, **{METRICS_PORT: "9100"}) for r in ("project", "analytics", "relay")]
    assert [s.env[METRICS_PORT] for s in _metrics_ports(specs)] == ["9100", "9101", "9102"]


def test_without_the_setting_nothing_changes():
    specs = [spec("project"), spec("relay")]
    assert _metrics_ports(specs) == specs
