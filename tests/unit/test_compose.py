"""compose.yaml stays valid: every service starts a real command with real settings."""

from __future__ import annotations

import shlex
from dataclasses import fields

import yaml

from infra.settings import PREFIX, Settings
from tests.conftest import ROOT
from workers.cli import main

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_stack_has_the_database_and_each_role_as_its_own_service():
    assert {"postgres", "migrate", "write-api", "read-api", "projector"} <= set(COMPOSE["services"])


def test_every_observatory_service_runs_a_known_cli_command():
    for name, service in COMPOSE["services"].items():
        command = service.get("command")
        if not command or command[0] != "observatory":
            continue
        args = command[1:] if isinstance(command, list) else shlex.split(command)[1:]
        context = main.make_context("observatory", list(args), resilient_parsing=True)
        sub = main.get_command(context, args[0])
        assert sub is not None, f"{name}: unknown command {args[0]}"
        sub.make_context(args[0], list(args[1:]), parent=context)  # raises on unknown options


def test_observatory_environment_names_real_settings():
    known = {PREFIX + f.name.upper() for f in fields(Settings)}
    for name, service in COMPOSE["services"].items():
        for variable in service.get("environment") or {}:
            if variable.startswith(PREFIX):
                assert variable in known, f"{name}: {variable} is not a setting"


def test_services_depend_only_on_services_that_exist():
    for name, service in COMPOSE["services"].items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in COMPOSE["services"], f"{name} depends on {dependency}"
