"""The reference docs are generated from the code; this test keeps them in step.

Run ``UPDATE_DOCS=1 pytest tests/unit/test_docs.py`` after changing a setting or a command.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, fields

import click

from infra.settings import PREFIX, Settings
from tests.conftest import ROOT
from workers.cli import main


def configuration_doc() -> str:
    source = (ROOT / "infra" / "settings.py").read_text()
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable (command-line flags win where a command has",
        "one). Generated from `infra/settings.py`.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for item in fields(Settings):
        default = "" if item.default is MISSING else repr(item.default)
        if item.name == "data_dir":
            default = "`~/.local/share/observatory` (root: `/var/lib/observatory`)"
        elif default in ("None", ""):
            default = "—"
        else:
            default = f"`{default.strip(chr(39))}`"
        marker = f"    {item.name}:"
        docstring = source.split(marker, 1)[1].split('"""', 2)[1].strip().replace("\n", " ")
        lines.append(f"| `{PREFIX}{item.name.upper()}` | {default} | {docstring} |")
    lines += [
        "",
        "Tests read `OBSERVATORY_TEST_DATABASE_URL` (default",
        "`postgresql://postgres@127.0.0.1:5432/postgres`) and `OBSERVATORY_CORPUS`.",
        "",
    ]
    return "\n".join(lines)


def cli_doc() -> str:
    lines = ["# Command line", "", "Generated from `observatory --help`.", ""]

    def walk(command: click.Command, path: list[str]) -> None:
        if getattr(command, "hidden", False):
            return
        context = click.Context(
            command,
            info_name=" ".join(path),
            terminal_width=100,
            max_content_width=100,
            help_option_names=["-h", "--help"],  # as `observatory` sets for every command
        )
        lines.extend(
            [f"## `{' '.join(path)}`", "", "```", command.get_help(context).strip(), "```", ""]
        )
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(main, ["observatory"])
    return "\n".join(lines)


def check(name: str, text: str) -> None:
    path = ROOT / "docs" / name
    if os.environ.get("UPDATE_DOCS"):
        path.write_text(text)
    assert path.read_text() == text, f"docs/{name} is out of date: UPDATE_DOCS=1 pytest {__file__}"


def test_every_setting_is_documented():
    check("configuration.md", configuration_doc())


def test_every_command_is_documented():
    check("cli.md", cli_doc())
