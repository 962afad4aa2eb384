"""compose.yaml runs the whole product: every production role and store, healthy before its
dependants start, connected by real settings, on pinned images. (No Docker engine here: the
file is parsed and its structure checked.)"""

from __future__ import annotations

import re
import shlex
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit

import yaml

from infra.settings import PREFIX, Settings
from tests.conftest import ROOT
from workers.cli import main

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]

ROLES = {
    "migrate": ["migrate"],
    "write-api": ["serve", "--role", "write"],
    "read-api": ["serve", "--role", "read"],
    "projector": ["project"],
    "relay": ["relay"],
    "scorer": ["score"],
    "jobs": ["jobs"],
}
"""Each production role and the ``observatory`` command that starts it (design §8)."""
APIS = ("write-api", "read-api")
STORES = {
    "postgres": "OBSERVATORY_DATABASE_URL",
    "clickhouse": "OBSERVATORY_CLICKHOUSE_URL",
    "redis": "OBSERVATORY_REDIS_URL",
    "nats": "OBSERVATORY_NATS_URL",
    "openbao": "OBSERVATORY_VAULT_URL",
}
"""Each store and the setting that connects the roles to it."""
SETTINGS = {PREFIX + f.name.upper() for f in fields(Settings)}


def interpolated(value: str) -> str:
    """What compose makes of ``${NAME:-default}`` when NAME is unset (and ``$$``)."""
    value = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: interpolated(str(v)) for k, v in (service.get("environment") or {}).items()}


def arguments(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return list(command) if isinstance(command, list) else shlex.split(command)


def dependencies(name: str) -> set[str]:
    """Every service ``name`` waits for, directly or through another."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for dependency in SERVICES[todo.pop()].get("depends_on") or {}:
            if dependency not in found:
                found.add(dependency)
                todo.append(dependency)
    return found


def test_every_production_role_and_store_is_a_service():
    missing = (set(ROLES) | set(STORES)) - set(SERVICES)
    assert not missing, f"compose.yaml lacks {sorted(missing)}"
    for role, command in ROLES.items():
        args = arguments(SERVICES[role])
        assert args[0] == "observatory" and args[1 : 1 + len(command)] == command, role


def test_every_observatory_service_runs_a_known_cli_command():
    for name, service in SERVICES.items():
        args = arguments(service)
        if not args or args[0] != "observatory":
            continue
        context = main.make_context("observatory", args[1:], resilient_parsing=True)
        sub = main.get_command(context, args[1])
        assert sub is not None, f"{name}: unknown command {args[1]}"
        sub.make_context(args[1], args[2:], parent=context)  # raises on unknown options


def test_observatory_environment_names_real_settings_with_usable_values():
    for name, service in SERVICES.items():
        env = environment(service)
        unknown = {v for v in env if v.startswith(PREFIX)} - SETTINGS
        assert not unknown, f"{name}: {sorted(unknown)} are not settings"
        if name in ROLES:
            Settings.from_env(env)  # raises SettingsError on a value it cannot use


def test_every_role_is_connected_to_every_store_and_waits_for_it():
    for role in ROLES:
        env, waits = environment(SERVICES[role]), dependencies(role)
        for store, variable in STORES.items():
            assert urlsplit(env[variable]).hostname == store, f"{role}: {variable}"
            if role != "migrate":  # migrations need PostgreSQL only (ClickHouse's: the projector)
                assert store in waits, f"{role} starts before {store}"
        assert "migrate" in waits or role == "migrate", f"{role} starts before migrations"
    assert "postgres" in dependencies("migrate")


def test_dependencies_wait_for_health_or_completion():
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            target = SERVICES[dependency]
            wanted = ("service_completed_successfully" if target.get("restart") == "no"
                      else "service_healthy")  # fmt: skip
            assert rule.get("condition") == wanted, f"{name} -> {dependency}"
            if wanted == "service_healthy":
                assert target.get("healthcheck"), f"{dependency} has no health check"


def test_stores_apis_and_long_running_roles_have_health_checks():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue  # a one-shot: its dependants wait for it to complete
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no health check"
    for api in APIS:
        assert any("/readyz" in part for part in SERVICES[api]["healthcheck"]["test"])


def test_images_are_pinned():
    for name, service in SERVICES.items():
        image = service.get("image", "")
        if service.get("build") is not None:
            continue  # our own image, built from this checkout
        tag = image.rpartition(":")[2] if ":" in image else ""
        assert re.search(r"\d+\.\d+", tag), f"{name}: pin {image!r} to a version"


def test_apis_publish_their_ports_and_workers_their_metrics_port():
    assert SERVICES["write-api"]["ports"] == ["8470:8470"]
    assert SERVICES["read-api"]["ports"] == ["8471:8470"]
    for role in ("projector", "relay", "scorer"):
        port = environment(SERVICES[role])["OBSERVATORY_WORKER_METRICS_PORT"]
        assert any(f":{port}/" in part for part in SERVICES[role]["healthcheck"]["test"])
