"""Commands the CLI prints start the program that printed them, from where the user is."""

from __future__ import annotations

from pathlib import Path

from infra.settings import Settings
from workers.cli.hints import command_prefix, sample_replay, second_terminal


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_a_clone_prints_its_venv_relative_to_the_clone(tmp_path, monkeypatch):
    executable(tmp_path / ".venv" / "bin" / "observatory")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert command_prefix(".venv/bin/observatory", tmp_path) == ".venv/bin/observatory"
    absolute = str(tmp_path / ".venv" / "bin" / "observatory")
    assert command_prefix(absolute, tmp_path) == ".venv/bin/observatory"
    assert command_prefix(absolute, tmp_path / ".venv") == "bin/observatory"


def test_elsewhere_the_path_is_absolute_and_on_path_the_bare_name(tmp_path, monkeypatch):
    program = executable(tmp_path / "bin" / "observatory")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert command_prefix(str(program), Path("/")) == str(program)
    assert command_prefix(str(program), tmp_path / "bin" / "elsewhere") == str(program)
    monkeypatch.setenv("PATH", f"/usr/bin:{program.parent}")
    assert command_prefix(str(program), Path("/")) == "observatory"


def test_the_sample_is_named_only_where_it_exists(tmp_path):
    assert sample_replay("x", Path(__file__).parents[2]) == (
        "x replay tests/corpus/claude_hooks/s1_ledger_api"
    )
    assert sample_replay("x", tmp_path).startswith("x replay DIR")


def test_another_terminal_is_told_the_data_dir_and_port_it_needs(tmp_path):
    lines = second_terminal(Settings(data_dir=tmp_path, port=9000))
    assert f"  export OBSERVATORY_DATA_DIR={tmp_path}" in lines
    assert "  export OBSERVATORY_PORT=9000" in lines
    assert not any("export" in line for line in second_terminal(Settings()))
