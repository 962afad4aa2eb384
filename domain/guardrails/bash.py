"""What a Bash command line will run: every simple command, however it is wrapped.

Parsed with bashlex (a port of bash's own grammar), never with regexes over the raw string, so
pipes, ``&&``/``||``/``;``, subshells, ``$(…)`` and backticks, ``<(…)``, loops and functions
are all walked. Wrappers are unwrapped — ``sudo``, ``env X=1``, ``nohup``, ``time``,
``command``, ``exec``, ``nice``, ``timeout``, ``xargs`` — and the code of ``bash -c "…"``,
``sh -c``, ``eval`` is parsed in turn. ``\\rm``, ``'rm'`` and ``/bin/rm`` are all ``rm``.

When bashlex cannot parse a line (it does not know ``[[ … ]]`` and some rarer syntax) a
fallback splits it with shlex on the control operators and still extracts ``$(…)`` and
backticks: a rule never gets to see *nothing* because the line was odd.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from posixpath import basename
from typing import Any

import bashlex
import bashlex.errors

MAX_DEPTH = 6
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish"})
_WRAPPERS_WITH_OPTIONS = {
    # program: options that take a value (the next word)
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-R", "-T"},
    "nice": {"-n"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "nohup": set(),
    "time": {"-f", "-o"},
    "command": set(),
    "exec": {"-a"},
    "stdbuf": {"-i", "-o", "-e"},
    "ionice": {"-c", "-n", "-p"},
    "doas": {"-u", "-C"},
}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SUBSTITUTION = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|`([^`]*)`|<\(([^()]*)\)")


@dataclass(frozen=True)
class Invocation:
    """One simple command as it will run: program (a basename) and its arguments."""

    program: str
    args: tuple[str, ...]
    redirects: tuple[str, ...] = ()
    """Files read or written through redirections (``< .env``, ``> out``)."""
    nested: tuple[Script, ...] = ()
    """Scripts inside this command's words: ``$(…)``, backticks, ``<(…)``."""

    @property
    def argv(self) -> tuple[str, ...]:
        return (self.program, *self.args)


@dataclass(frozen=True)
class Script:
    """A parsed command line: pipelines of invocations, plus what ran inside them."""

    pipelines: tuple[tuple[Invocation, ...], ...] = ()
    inline: tuple[Script, ...] = field(default=())
    """Code run by ``bash -c``, ``sh -c``, ``eval`` (parsed in turn)."""
    parsed: bool = True
    """False when bashlex failed and the shlex fallback was used."""

    def invocations(self) -> Iterator[Invocation]:
        """Every invocation, nested and inline ones included, depth first."""
        for pipeline in self.pipelines:
            for invocation in pipeline:
                yield invocation
                for script in invocation.nested:
                    yield from script.invocations()
        for script in self.inline:
            yield from script.invocations()

    def all_pipelines(self) -> Iterator[tuple[Invocation, ...]]:
        for pipeline in self.pipelines:
            yield pipeline
            for invocation in pipeline:
                for script in invocation.nested:
                    yield from script.all_pipelines()
        for script in self.inline:
            yield from script.all_pipelines()


def parse(command: str, depth: int = 0) -> Script:
    """Parses a Bash command line into the invocations it runs."""
    if depth > MAX_DEPTH or not command.strip():
        return Script()
    try:
        trees = bashlex.parse(command)
    except (
        bashlex.errors.ParsingError,
        NotImplementedError,
        IndexError,
        AttributeError,
        TypeError,
    ):
        return _fallback(command, depth)
    pipelines: list[tuple[Invocation, ...]] = []
    for tree in trees:
        _collect(tree, pipelines, depth)
    return _with_inline(Script(tuple(pipelines)), depth)


def _collect(node: Any, out: list[tuple[Invocation, ...]], depth: int) -> None:
    kind = node.kind
    if kind == "pipeline":
        invocations = [_invocation(p, depth) for p in node.parts if p.kind == "command"]
        found = [i for i in invocations if i is not None]
        if found:
            out.append(tuple(found))
        for part in node.parts:
            if part.kind not in ("command", "pipe"):
                _collect(part, out, depth)
        return
    if kind == "command":
        invocation = _invocation(node, depth)
        if invocation is not None:
            out.append((invocation,))
        return
    for child in _children(node):
        _collect(child, out, depth)


def _children(node: Any) -> list[Any]:
    children: list[Any] = []
    for name in ("parts", "list"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            children.extend(value)
    for name in ("command",):
        value = getattr(node, name, None)
        if value is not None and hasattr(value, "kind"):
            children.append(value)
    return children


def _invocation(node: Any, depth: int) -> Invocation | None:
    words: list[str] = []
    redirects: list[str] = []
    nested: list[Script] = []
    for part in getattr(node, "parts", []):
        if part.kind == "word":
            words.append(part.word)
            nested.extend(_substitutions(part, depth))
        elif part.kind == "redirect":
            target = getattr(part, "output", None)
            if target is not None and getattr(target, "kind", "") == "word":
                redirects.append(target.word)
                nested.extend(_substitutions(target, depth))
        elif part.kind == "assignment":
            nested.extend(_substitutions(part, depth))
        elif part.kind not in ("reservedword", "operator"):
            # compound commands inside (e.g. a function body): walk them too
            inner: list[tuple[Invocation, ...]] = []
            _collect(part, inner, depth)
            if inner:
                nested.append(Script(tuple(inner)))
    return _unwrap(words, tuple(redirects), tuple(nested), depth)


def _substitutions(node: Any, depth: int) -> list[Script]:
    found: list[Script] = []
    for part in getattr(node, "parts", []) or []:
        if part.kind in ("commandsubstitution", "processsubstitution"):
            inner: list[tuple[Invocation, ...]] = []
            _collect(part.command, inner, depth + 1)
            found.append(_with_inline(Script(tuple(inner)), depth + 1))
        else:
            found.extend(_substitutions(part, depth))
    return found


def _unwrap(
    words: list[str], redirects: tuple[str, ...], nested: tuple[Script, ...], depth: int
) -> Invocation | None:
    index = 0
    while index < len(words) and _ASSIGNMENT.match(words[index]):
        index += 1
    while index < len(words):
        program = program_name(words[index])
        if program == "xargs":
            index = _skip_options(words, index + 1, {"-I", "-n", "-P", "-L", "-d", "-E", "-s"})
            continue
        if program not in _WRAPPERS_WITH_OPTIONS:
            break
        index = _skip_options(words, index + 1, _WRAPPERS_WITH_OPTIONS[program])
        if program == "env":
            while index < len(words) and _ASSIGNMENT.match(words[index]):
                index += 1
        elif program in ("timeout",) and index < len(words):
            index += 1  # the duration
        elif program == "nice" and index < len(words) and re.match(r"^-\d+$", words[index]):
            index += 1
    if index >= len(words):
        return None if not redirects and not nested else Invocation("", (), redirects, nested)
    return Invocation(program_name(words[index]), tuple(words[index + 1 :]), redirects, nested)


def _skip_options(words: list[str], index: int, with_value: set[str]) -> int:
    while index < len(words) and words[index].startswith("-"):
        if words[index] == "--":
            return index + 1
        index += 2 if words[index] in with_value else 1
    return index


def program_name(word: str) -> str:
    """``/usr/bin/rm``, ``\\rm`` and ``"rm"`` are all ``rm``."""
    return basename(word.lstrip("\\"))


def _with_inline(script: Script, depth: int) -> Script:
    inline: list[Script] = []
    for invocation in script.invocations():
        code = inline_code(invocation)
        if code is not None:
            inline.append(parse(code, depth + 1))
    return Script(script.pipelines, tuple(inline), script.parsed) if inline else script


def inline_code(invocation: Invocation) -> str | None:
    """The code a shell or ``eval`` runs from its arguments (``bash -c CODE``)."""
    if invocation.program == "eval":
        return " ".join(invocation.args) or None
    if invocation.program in SHELLS:
        for position, arg in enumerate(invocation.args):
            if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
                return (
                    invocation.args[position + 1] if position + 1 < len(invocation.args) else None
                )
    return None


def _fallback(command: str, depth: int) -> Script:
    """shlex on the control operators; substitutions extracted with a bracket-aware regex."""
    nested = tuple(
        parse(next(g for g in match.groups() if g is not None), depth + 1)
        for match in _SUBSTITUTION.finditer(command)
    )
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes
        tokens = command.split()
    pipelines: list[tuple[Invocation, ...]] = []
    pipeline: list[Invocation] = []
    words: list[str] = []
    for token in [*tokens, ";"]:
        if token in ("|", "|&"):
            invocation = _unwrap(words, (), (), depth)
            if invocation:
                pipeline.append(invocation)
            words = []
        elif set(token) <= set(";&|()") or token in ("[[", "]]", "!", "{", "}"):
            invocation = _unwrap(words, (), (), depth)
            if invocation:
                pipeline.append(invocation)
            if pipeline:
                pipelines.append(tuple(pipeline))
            pipeline, words = [], []
        elif token in ("<", ">", ">>"):
            words.append(token)
        else:
            words.append(token)
    if nested and pipelines:
        first = pipelines[0][0]
        pipelines[0] = (
            Invocation(first.program, first.args, first.redirects, nested),
            *pipelines[0][1:],
        )
    elif nested:
        pipelines.append((Invocation("", (), (), nested),))
    return _with_inline(Script(tuple(pipelines), parsed=False), depth)
