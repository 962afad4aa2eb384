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
from domain.guardrails.interpreters import code_source

FILE_KEYS = ("file_path", "notebook_path", "path")
TEXT_PROGRAMS = frozenset({"echo", "printf", ":", "true", "false", "test", "[", "export",
                           "alias", "notify-send", "say"})  # fmt: skip
"""Programs whose operands are text, not files."""
PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "jq", "yq", "gojq", "awk",
                           "gawk", "mawk", "sed"})  # fmt: skip
"""Programs whose first operand is a pattern, filter or program unless an option gives it."""
PATTERN_OPTIONS = frozenset({"-e", "--regexp", "--expression"})
"""Options whose value is that pattern (the next operand is then a file)."""
SCRIPT_FILE_OPTIONS = frozenset({"-f", "--file", "--from-file"})
TEXT_VALUE_OPTIONS = {"git": frozenset({"-m", "--message", "--grep", "--author", "--committer",
                                        "-S", "-G", "--format", "--pretty", "--since",
                                        "--until"})}  # fmt: skip
"""Per program, options whose value is text (a commit message, a search)."""
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
    source = code_source(invocation.program, invocation.args)
    if source is not None:  # code run by an interpreter names files in its string literals
        for code in (*source.inline, *(invocation.here if source.stdin else ())):
            yield from _literals(code)
    if invocation.program in TEXT_PROGRAMS:
        return
    yield from _argument_paths(invocation.program, invocation.args)


def _argument_paths(program: str, args: tuple[str, ...]) -> Iterator[str]:
    pattern_pending = program in PATTERN_FIRST
    text_options = TEXT_VALUE_OPTIONS.get(program, frozenset())
    skip_next = False
    for index, arg in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if arg.startswith("-") and len(arg) > 1:
            name, has_value, value = arg.partition("=")
            if name in text_options or (pattern_pending and name in PATTERN_OPTIONS):
                pattern_pending = pattern_pending and name not in PATTERN_OPTIONS
                skip_next = not has_value and index + 1 < len(args)
                continue
            if pattern_pending and name in SCRIPT_FILE_OPTIONS:
                pattern_pending = False
            if has_value:
                yield value
                yield from _values(value)
            elif not arg.startswith("--") and len(arg) > 2:
                yield from _values(arg[2:])  # a short option's value attached: -d@.env
                yield arg[2:]
            continue
        if pattern_pending:
            pattern_pending = False
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
        yield word[1:].split(";", 1)[0]  # curl -F 'k=@FILE;type=text/plain'
    elif "@" in word and "://" not in word:
        yield word.rsplit("@", 1)[1]  # HTTPie's field@FILE
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
