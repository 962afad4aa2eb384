"""The files a tool call names: what a secret-file rule must look at.

File tools name their path (``file_path``, ``notebook_path``, Grep's ``path`` and ``glob``).
A Bash line names files in many places: operands, redirections (on compound commands too),
``--opt=FILE`` and ``NAME=FILE`` operands (``dd if=.env``), uploads (``curl -F x=@.env``,
``--data-binary @.env``, ``-F 'f=<.env'``), ``REV:PATH`` (``git show HEAD:.env``), and string
literals in code run by an interpreter (``python3 -c "open('.env')"``). Words that are only
text — what ``echo`` and ``printf`` print, the pattern ``grep`` looks for — are not files.

A glob names a protected file when every name it can match looks protected (``.en*``, ``id_r?a``):
it is tried against sample protected and ordinary names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from posixpath import basename, dirname, join, normpath
from typing import Any

from domain.guardrails.bash import Invocation, Script

FILE_KEYS = ("file_path", "notebook_path", "path")
TEXT_PROGRAMS = frozenset({"echo", "printf", ":", "true", "false", "test", "[", "export",
                           "alias", "notify-send", "say"})  # fmt: skip
"""Programs whose operands are text, not files."""
PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack"})
"""Programs whose first operand is a pattern unless ``-e``/``-f`` gives it."""
CODE_RUNNERS = {"python": "c", "python2": "c", "python3": "c", "node": "ep", "nodejs": "ep",
                "deno": "", "bun": "e", "ruby": "e", "perl": "eE", "php": "r", "lua": "e",
                "Rscript": "e", "osascript": "e"}  # fmt: skip
"""Interpreters and the options whose value is code."""
GLOB_CHARS = re.compile(r"[*?\[]")
_LITERAL = re.compile(r"""(["'])((?:(?!\1)[^\\]|\\.){1,300})\1""")
_ORDINARY = ("README.md", "main.py", "index.js", "Makefile", "notes.txt", ".gitignore",
             "src", "package.json", ".github")  # fmt: skip


def tool_paths(tool_name: str, tool_input: Mapping[str, Any], script: Script | None) -> list[str]:
    """Every file a call names, normalised (``src/../.env`` is ``.env``)."""
    found: list[str] = []
    for key in FILE_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            found.append(value)
    if tool_name == "Grep" and isinstance(tool_input.get("glob"), str):
        found.append(str(tool_input["glob"]))
    edits = tool_input.get("edits")
    if isinstance(edits, list):
        found.extend(
            e["file_path"]
            for e in edits
            if isinstance(e, dict) and isinstance(e.get("file_path"), str)
        )
    if script is not None:
        for invocation in script.invocations():
            found.extend(invocation_paths(invocation))
    return [normpath(p) if p else p for p in found]


def _names_file(edit: Any) -> bool:
    return isinstance(edit, dict) and isinstance(edit.get("file_path"), str)


def invocation_paths(invocation: Invocation) -> Iterator[str]:
    yield from invocation.redirects
    if invocation.program in TEXT_PROGRAMS:
        return
    operands_seen = 0
    pattern_given = False
    code_options = CODE_RUNNERS.get(invocation.program)
    expect_code = False
    for arg in invocation.args:
        if expect_code:
            yield from _literals(arg)
            expect_code = False
            continue
        if arg.startswith("-") and len(arg) > 1:
            if invocation.program in PATTERN_FIRST and arg in ("-e", "-f", "--regexp", "--file"):
                pattern_given = True
            if code_options and arg[1:2] in code_options and not arg.startswith("--"):
                attached = arg[2:]
                if attached:
                    yield from _literals(attached)
                else:
                    expect_code = True
            if "=" in arg:
                value = arg.split("=", 1)[1]
                yield value
                yield from _values(value)
            continue
        operands_seen += 1
        if invocation.program in PATTERN_FIRST and not pattern_given and operands_seen == 1:
            continue
        yield arg
        yield from _values(arg)


def _values(word: str) -> Iterator[str]:
    """Files inside one word: ``x=FILE``, ``@FILE``, ``x=@FILE``, ``<FILE``, ``REV:PATH``."""
    if not word:
        return
    if "=" in word:
        value = word.split("=", 1)[1]
        yield value
        yield from _values(value)
    if word.startswith(("@", "<")) and len(word) > 1:
        yield word[1:]
    if ":" in word and not word.startswith(("http://", "https://", "s3://", "gs://")):
        yield word.rsplit(":", 1)[1]


def _literals(code: str) -> Iterator[str]:
    for match in _LITERAL.finditer(code):
        yield match.group(2)
        yield from _values(match.group(2))


def names_protected(path: str, patterns: tuple[str, ...], exceptions: tuple[str, ...],
                    samples: tuple[str, ...]) -> bool:  # fmt: skip
    """True when ``path`` is a protected file, or a glob that can only match such files."""
    name = basename(path)
    if _hit(path, name, exceptions):
        return False
    if _hit(path, name, patterns):
        return True
    if not GLOB_CHARS.search(name):
        return False
    matches = [s for s in samples if fnmatchcase(s, name)]
    if not matches or any(fnmatchcase(s, name) for s in _ORDINARY):
        return False
    folder = dirname(path)
    return all(
        _hit(join(folder, s), s, patterns) and not _hit(join(folder, s), s, exceptions)
        for s in matches
    )


def _hit(path: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, p) or fnmatchcase(path, p) for p in patterns)
