"""`observatory hooks install` writes Claude Code settings without touching the user's own."""

from __future__ import annotations

import json

from click.testing import CliRunner

from domain.sessions.hooks import KNOWN_HOOKS
from workers.cli import main
from workers.cli.hooks import INSTALL_EVENTS, with_observatory_hooks, without_observatory_hooks

USER_HOOK = {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter.sh"}]}


def install(tmp_path, *args: str) -> dict:
    settings = tmp_path / "settings.json"
    result = CliRunner().invoke(
        main,
        ["hooks", "install", "--settings-file", str(settings), "--url", "http://obs:8470", *args],
    )
    assert result.exit_code == 0, result.output
    return json.loads(settings.read_text())


def test_every_hook_kind_but_message_display_is_registered():
    assert set(INSTALL_EVENTS) == set(KNOWN_HOOKS) - {"MessageDisplay"}


def test_http_mode_posts_to_the_ingest_url_and_uses_the_shim_where_http_is_unsupported(tmp_path):
    settings = install(tmp_path)
    pre = settings["hooks"]["PreToolUse"][0]["hooks"][0]
    assert pre == {
        "type": "http", "url": "http://obs:8470/v1/hooks/claude-code", "timeout": 60,
        # Claude Code substitutes only the variables allowedEnvVars lists.
        "headers": {"Authorization": "Bearer $OBSERVATORY_KEY"},
        "allowedEnvVars": ["OBSERVATORY_KEY"],
    }  # fmt: skip
    start = settings["hooks"]["SessionStart"][0]["hooks"][0]
    assert start["type"] == "command"
    assert start["command"].endswith("hook --url http://obs:8470")


def test_installing_twice_keeps_one_entry_and_the_users_hooks(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": "opus", "hooks": {"PreToolUse": [USER_HOOK]}}))
    install(tmp_path)
    settings = install(tmp_path, "--mode", "command", "--fail-closed")
    assert settings["model"] == "opus"
    assert settings["hooks"]["PreToolUse"][0] == USER_HOOK
    ours = settings["hooks"]["PreToolUse"][1:]
    assert len(ours) == 1
    assert ours[0]["hooks"][0]["command"].endswith("--fail-closed")
    assert (tmp_path / "settings.json.bak").exists()


def test_uninstall_removes_only_observatory(tmp_path):
    original = {"hooks": {"PreToolUse": [USER_HOOK]}}
    added = with_observatory_hooks(
        original,
        base="http://x",
        mode="http",
        fail_closed=False,
        timeout=5,
        executable="observatory",
    )
    assert without_observatory_hooks(added) == original


def test_a_broken_settings_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    result = CliRunner().invoke(main, ["hooks", "install", "--settings-file", str(path)])
    assert result.exit_code != 0
    assert "not valid JSON" in result.output
    assert path.read_text() == "{not json"


def test_the_hooks_an_approval_may_hold_wait_as_long_as_an_approve_rule_assumes(tmp_path):
    """A held PreToolUse must not be abandoned by Claude Code (which then runs the tool): its
    timeout is the approve rule's default hook_timeout_seconds; observation hooks stay short."""
    http = install(tmp_path)["hooks"]
    assert http["PreToolUse"][0]["hooks"][0]["timeout"] == 60
    assert http["PermissionRequest"][0]["hooks"][0]["timeout"] == 60
    assert http["PostToolUse"][0]["hooks"][0]["timeout"] == 5
    command = install(tmp_path, "--mode", "command", "--hold-timeout", "50")["hooks"]
    pre = command["PreToolUse"][0]["hooks"][0]
    assert pre["command"].endswith("--timeout 50") and pre["timeout"] == 52
    post = command["PostToolUse"][0]["hooks"][0]
    assert "--timeout" not in post["command"] and post["timeout"] == 7
