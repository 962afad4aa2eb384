"""``observatory hooks install|uninstall``: point Claude Code at Observatory.

HTTP hooks fail open by design: Claude Code treats a refused connection, a timeout or a
non-2xx answer as a non-blocking error and runs the tool. The shim (``workers.cli.shim``)
fails open too unless ``--fail-closed`` is given; then an Observatory that cannot decide, for
any reason, blocks tool calls (PreToolUse exits 2, PermissionRequest answers deny).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from workers.cli.common import HOOK_PATH, api_url, load_settings, port_option

HELD = frozenset({"PreToolUse", "PermissionRequest"})
"""The hooks an ``approve`` rule (or quarantine) may hold open until a person answers."""
HOLD_TIMEOUT = 60
"""Their timeout: Claude Code's own default for a hook, and what an approve rule assumes
(``hook_timeout_seconds``); with a shorter one Claude Code would give up on a held hook and
run the tool (http hooks fail open)."""

KEY_ENV = "OBSERVATORY_KEY"
"""The environment variable Claude Code reads the agent key from (``allowedEnvVars``)."""

# Every hook kind Claude Code sends, except MessageDisplay (it fires on every streamed chunk
# of assistant text: pure display, no audit value, and a lot of traffic).
INSTALL_EVENTS = (
    "SessionStart", "Setup", "UserPromptSubmit", "UserPromptExpansion", "PreToolUse",
    "PermissionRequest", "PermissionDenied", "PostToolUse", "PostToolUseFailure",
    "PostToolBatch", "Notification", "SubagentStart", "SubagentStop", "TaskCreated",
    "TaskCompleted", "Stop", "StopFailure", "TeammateIdle", "InstructionsLoaded",
    "ConfigChange", "CwdChanged", "DirectoryAdded", "FileChanged", "WorktreeCreate",
    "WorktreeRemove", "PreCompact", "PostCompact", "PreModelSwitch", "PostModelSwitch",
    "Elicitation", "ElicitationResult", "SessionEnd",
)  # fmt: skip
COMMAND_ONLY = frozenset({"SessionStart", "Setup"})
"""Claude Code runs only command hooks for these (no http)."""
MARKER = "observatory"

SCOPES = ("user", "project", "local")


def scope_path(scope: str) -> Path:
    if scope == "user":
        return Path.home() / ".claude" / "settings.json"
    return Path(".claude") / ("settings.local.json" if scope == "local" else "settings.json")


@click.group()
def hooks() -> None:
    """Point Claude Code at Observatory (writes Claude Code settings)."""


@hooks.command()
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    default="user",
    show_default=True,
    help="user: ~/.claude/settings.json; project: .claude/settings.json (commit it); "
    "local: .claude/settings.local.json.",
)
@click.option(
    "--mode",
    type=click.Choice(["http", "command"]),
    default="http",
    show_default=True,
    help="http: Claude Code posts directly (fail-open). command: run the shim "
    "`observatory hook` (can fail closed).",
)
@click.option(
    "--url", default=None, help="Observatory's base URL [default: http://127.0.0.1:PORT]."
)
@port_option
@click.option("--fail-closed", is_flag=True,
              help="command mode: block tool calls when Observatory cannot decide.")  # fmt: skip
@click.option("--timeout", type=click.IntRange(1, 600), default=5, show_default=True,
              help="Seconds Claude Code waits for Observatory per hook.")  # fmt: skip
@click.option("--hold-timeout", type=click.IntRange(1, 600), default=HOLD_TIMEOUT,
              show_default=True,
              help="Seconds Claude Code waits on PreToolUse and PermissionRequest, which an "
              "approve rule may hold for a person (the rule's hook_timeout_seconds).")  # fmt: skip
@click.option("--settings-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write this file instead of the scope's.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print the resulting settings instead of writing.")
def install(
    scope: str,
    mode: str,
    url: str | None,
    port: int | None,
    fail_closed: bool,
    timeout: int,
    hold_timeout: int,
    settings_file: Path | None,
    dry_run: bool,
) -> None:
    """Register Observatory for every Claude Code hook kind.

    Existing hooks are kept; Observatory's own entries are replaced, so running this again
    is safe. SessionStart and Setup always use the shim: Claude Code has no http hooks there.
    """
    base = api_url(load_settings(port=port), url)
    path = settings_file or scope_path(scope)
    current = _read_settings(path)
    updated = with_observatory_hooks(
        current, base=base, mode=mode, fail_closed=fail_closed, timeout=timeout,
        executable=_executable(), hold_timeout=hold_timeout,
    )  # fmt: skip
    text = json.dumps(updated, indent=2) + "\n"
    if dry_run:
        click.echo(text, nl=False)
        return
    _write_settings(path, text)
    click.echo(
        f"Wrote {len(INSTALL_EVENTS)} hook kinds ({mode} mode) to {path}, sending to {base}."
    )
    from workers.cli.hints import command_prefix

    click.echo(
        f"Hooks authenticate with the agent key in ${KEY_ENV}: export it where Claude Code "
        f"runs (`up` printed one; `{command_prefix()} auth keys create` makes more)."
    )
    if mode == "http":
        click.echo("http hooks fail open: if Observatory is down, agents keep working unguarded.")


@hooks.command()
@click.option("--scope", type=click.Choice(SCOPES), default="user", show_default=True)
@click.option("--settings-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
def uninstall(scope: str, settings_file: Path | None) -> None:
    """Remove Observatory's hooks (and only those) from Claude Code settings."""
    path = settings_file or scope_path(scope)
    current = _read_settings(path)
    _write_settings(path, json.dumps(without_observatory_hooks(current), indent=2) + "\n")
    click.echo(f"Removed Observatory hooks from {path}.")


def with_observatory_hooks(
    settings: dict[str, Any],
    *,
    base: str,
    mode: str,
    fail_closed: bool,
    timeout: int,
    executable: str,
    hold_timeout: int = 0,
) -> dict[str, Any]:
    """``hold_timeout`` (0: ``HOLD_TIMEOUT``) is the timeout of the hooks an approval holds."""
    updated = without_observatory_hooks(settings)
    table: dict[str, Any] = updated.setdefault("hooks", {})
    for event in INSTALL_EVENTS:
        wait = (hold_timeout or HOLD_TIMEOUT) if event in HELD else timeout
        if mode == "http" and event not in COMMAND_ONLY:
            handler: dict[str, Any] = {
                "type": "http", "url": base + HOOK_PATH, "timeout": wait,
                # Claude Code fills $OBSERVATORY_KEY only for variables listed here.
                "headers": {"Authorization": f"Bearer ${KEY_ENV}"}, "allowedEnvVars": [KEY_ENV],
            }  # fmt: skip
        else:
            command = f"{executable} hook --url {base}"
            if event in HELD:  # the shim's own HTTP wait must outlast a held answer too
                command += f" --timeout {wait}"
            if fail_closed:
                command += " --fail-closed"
            handler = {"type": "command", "command": command, "timeout": wait + 2}
        table.setdefault(event, []).append({"hooks": [handler]})
    return updated


def without_observatory_hooks(settings: dict[str, Any]) -> dict[str, Any]:
    updated: dict[str, Any] = json.loads(json.dumps(settings))
    table = updated.get("hooks")
    if not isinstance(table, dict):
        return updated
    for event in list(table):
        groups = table[event]
        if isinstance(groups, list):
            groups = [g for g in groups if not _is_ours(g)]
        if groups:
            table[event] = groups
        else:
            del table[event]
    if not table:
        del updated["hooks"]
    return updated


def _is_ours(group: Any) -> bool:
    handlers = group.get("hooks", []) if isinstance(group, dict) else []
    return bool(handlers) and all(
        HOOK_PATH in str(h.get("url", "")) or " hook --url " in str(h.get("command", ""))
        for h in handlers
        if isinstance(h, dict)
    )


def _read_settings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        value: object = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path} is not valid JSON ({error}); fix it first") from None
    if not isinstance(value, dict):
        raise click.ClickException(f"{path} does not hold a JSON object")
    return dict(value)


def _write_settings(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        shutil.copy2(path, path.with_suffix(path.suffix + ".bak"))
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)


def _executable() -> str:
    found = shutil.which("observatory")
    return found or str(Path(sys.argv[0]).resolve())
