"""The guardrails and sessions commands against a running API, and what-if simulation."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import S1, session_files
from workers.cli import main

RULES_YAML = """
rules:
  - id: no-git-push
    tools: [Bash]
    when: {command: {program: git, args_any: [push]}}
    decision: ask
    message: Pushes need a human.
  - id: no-npm-install
    tools: [Bash]
    when: {command: {program: npm, args_any: [install, i]}}
    decision: deny
"""


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_add_list_mode_remove(live_server, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML)
    url = ["--url", live_server.base_url]
    out = run("guardrails", "add", str(rules), *url, "--actor", "dana")
    assert "Added no-git-push: policy version 2." in out
    assert "Added no-npm-install: policy version 3." in out
    assert "Replaced no-git-push" in run("guardrails", "add", str(rules), "--replace", *url)
    assert "no-git-push is now shadow" in run("guardrails", "mode", "no-git-push", "shadow", *url)
    assert "Removed no-npm-install" in run("guardrails", "remove", "no-npm-install", *url)
    listed = run("guardrails", "list", "--json", *url)
    assert json.loads(listed)["rules"][0]["id"] == "destructive_rm"  # the read model (defaults)


def test_a_bad_rule_file_says_what_is_wrong(live_server, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "when": {"command": {}}, "decision": "nope"}))
    result = CliRunner().invoke(
        main, ["guardrails", "add", str(bad), "--url", live_server.base_url]
    )
    assert result.exit_code != 0
    assert "rule.when.command.program" in result.output
    assert "rule.decision" in result.output


def test_quarantine_and_release_a_session(live_server):
    url = ["--url", live_server.base_url]
    assert "Quarantined session s-cli (deny)" in run(
        "sessions", "quarantine", "s-cli", "--mode", "deny", *url
    )
    assert "Released session s-cli" in run(
        "sessions", "release", "s-cli", "--reason", "fixed", *url
    )
    result = CliRunner().invoke(main, ["sessions", "release", "s-cli", *url])
    assert result.exit_code != 0
    assert "not quarantined" in result.output


def test_simulate_reports_what_proposed_rules_would_have_done(client, pg_url, schema, tmp_path):
    for path in session_files():
        client.post("/v1/hooks/claude-code", content=path.read_bytes())
    rules = tmp_path / "proposed.yaml"
    rules.write_text(
        "id: no-edits\ntools: [Edit, Write]\nwhen: {path: {glob: ['*.py', '*.ts']}}\n"
        "decision: ask\nmode: shadow\n"
    )
    env = {"OBSERVATORY_DATABASE_URL": pg_url, "OBSERVATORY_DATABASE_SCHEMA": schema}
    report = json.loads(run("guardrails", "simulate", str(rules), "--json", env=env))
    assert report["calls"] == 16
    assert report["rules"] == ["no-edits"]
    session = report["sessions"][S1["id"]]
    assert (session["ask"], session["deny"]) == (
        2,
        0,
    )  # one Edit of a .py file, one Write of a .ts file
    table = run("guardrails", "simulate", str(rules), "--since", "1d", env=env)
    assert "Would deny 0 and ask for" in table
