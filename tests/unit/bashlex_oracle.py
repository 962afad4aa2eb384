"""The bashlex-based Bash reader that ``domain.guardrails.bash`` replaced (issue 11), kept
only as the oracle of the tests and of ``benchmarks/judge.py``: decisions through the
tree-sitter parser must equal decisions through this one. It builds the domain's own
``Script`` and ``Invocation`` so the same rules judge both readings (``OracleToolCall``).
Not used by the product; bashlex is a dev dependency.

Its original notes: parsed with bashlex (a port of bash's own grammar). When bashlex cannot
parse a line (it does not know ``[[ … ]]`` and some rarer syntax) a fallback splits it with
shlex on the control operators and still extracts ``$(…)`` and backticks.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cached_property, lru_cache
from posixpath import basename
from typing import Any

import bashlex
import bashlex.errors

from domain.guardrails.bash import Invocation, Script
from domain.guardrails.interpreters import SHELLS, code_source
from domain.guardrails.values import ToolCall
from domain.guardrails.words import expand_braces, literal
from domain.guardrails.wrappers import GRAMMARS, JOINS_REST, skip_options

MAX_DEPTH = 6
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_SUBSTITUTION = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|`([^`]*)`|<\(([^()]*)\)")
_QUOTED_HEREDOC = re.compile(r"(<<-?\s*)(['\"])(\w+)\2")
_DATA_REDIRECTS = frozenset({"<<<", "<<", "<<-"})
"""Redirections whose word is data, not a file name (here-strings and here-documents)."""
_EXEC_ENDS = frozenset({";", "+", "\\;"})
_BASHLEX_ERRORS = (bashlex.errors.ParsingError, NotImplementedError, IndexError, AttributeError,
                   TypeError, ValueError, AssertionError)  # fmt: skip


PARSE_CACHE_SIZE = 4096


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_cached(command: str) -> Script:
    """``parse``, remembered for the last ``PARSE_CACHE_SIZE`` command lines: agents repeat
    the same commands (``npm test``, ``git status``) all day, and a ``Script`` is immutable."""
    return parse(command)


def parse(command: str, depth: int = 0) -> Script:
    """Parses a Bash command line into the invocations it runs."""
    if depth > MAX_DEPTH or not command.strip():
        return Script()
    # bashlex refuses a quoted here-document delimiter (<<'EOF'); quoting only turns off
    # expansion in the body, which we never do, so read it as the plain delimiter.
    command = _QUOTED_HEREDOC.sub(r"\1\3", command)
    try:
        trees = bashlex.parse(command)
    except _BASHLEX_ERRORS:
        return _fallback(command, depth)
    reader = _Reader(command, depth)
    pipelines: list[tuple[Invocation, ...]] = []
    try:
        for tree in trees:
            reader.collect(tree, pipelines)
    except _BASHLEX_ERRORS:
        return _fallback(command, depth)
    return _with_inline(Script(tuple(pipelines)), depth)


class _Reader:
    """Walks bashlex's tree of one command line (``source``, for words bashlex mangles)."""

    def __init__(self, source: str, depth: int) -> None:
        self.source = source
        self.depth = depth

    def collect(self, node: Any, out: list[tuple[Invocation, ...]]) -> None:
        kind = node.kind
        if kind == "pipeline":
            stages = [self.stage(p) for p in node.parts if p.kind not in ("pipe", "reservedword")]
            found = tuple(s for s in stages if s is not None)
            if found:
                out.append(found)
            return
        if kind in ("command", "compound") or kind in ("for", "while", "until", "if", "function"):
            stage = self.stage(node)
            if stage is not None:
                out.append((stage,))
            return
        for child in _children(node):
            self.collect(child, out)

    def stage(self, node: Any) -> Invocation | None:
        if node.kind == "command":
            return self.invocation(node)
        inner: list[tuple[Invocation, ...]] = []
        for child in _children(node):
            if child.kind == "redirect":
                continue
            self.collect(child, inner)
        redirects, here, nested = self.redirections(getattr(node, "redirects", None) or [])
        if node.kind == "for":  # the words it loops over may hold substitutions
            for part in node.parts:
                if part.kind == "word":
                    nested.extend(self.substitutions(part))
        if not inner and not redirects and not nested:
            return None
        body = tuple(nested) + ((Script(tuple(inner)),) if inner else ())
        return Invocation("", (), tuple(redirects), body, tuple(here))

    def redirections(self, parts: list[Any]) -> tuple[list[str], list[str], list[Script]]:
        redirects: list[str] = []
        here: list[str] = []
        nested: list[Script] = []
        for part in parts:
            target = getattr(part, "output", None)
            if target is None or getattr(target, "kind", "") != "word":
                continue
            nested.extend(self.substitutions(target))
            if part.type in _DATA_REDIRECTS:
                heredoc = getattr(part, "heredoc", None)
                here.append(getattr(heredoc, "value", None) or self.word(target)[0])
            else:
                redirects.extend(self.word(target))
        return redirects, here, nested

    def invocation(self, node: Any) -> Invocation | None:
        words: list[str] = []
        nested: list[Script] = []
        redirect_parts: list[Any] = []
        for part in getattr(node, "parts", []):
            if part.kind == "word":
                words.extend(self.word(part))
                nested.extend(self.substitutions(part))
            elif part.kind == "redirect":
                redirect_parts.append(part)
            elif part.kind == "assignment":
                words.append(part.word)
                nested.extend(self.substitutions(part))
            elif part.kind not in ("reservedword", "operator"):
                inner: list[tuple[Invocation, ...]] = []
                self.collect(part, inner)
                if inner:
                    nested.append(Script(tuple(inner)))
        redirects, here, more = self.redirections(redirect_parts)
        nested.extend(more)
        return unwrap(words, tuple(redirects), tuple(nested), self.depth, tuple(here))

    def word(self, node: Any) -> list[str]:
        """The words the shell passes for one word node (ANSI-C quotes, braces expanded)."""
        start, end = node.pos
        raw = self.source[start:end]
        # bashlex's own quote removal goes wrong on words that mix quotes ('a'"'"'b'): the
        # word is read from its source text whenever it holds a quote or a backslash.
        quoted = any(q in raw for q in "'\"\\")
        text = literal(raw) if quoted else node.word
        if "{" in raw and not quoted:
            return expand_braces(text)
        return [text]

    def substitutions(self, node: Any) -> list[Script]:
        found: list[Script] = []
        for part in getattr(node, "parts", []) or []:
            if part.kind in ("commandsubstitution", "processsubstitution"):
                inner: list[tuple[Invocation, ...]] = []
                _Reader(self.source, self.depth + 1).collect(part.command, inner)
                found.append(_with_inline(Script(tuple(inner)), self.depth + 1))
            else:
                found.extend(self.substitutions(part))
        return found


def _children(node: Any) -> list[Any]:
    children: list[Any] = []
    for name in ("parts", "list"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            children.extend(value)
    value = getattr(node, "command", None)
    if value is not None and hasattr(value, "kind"):
        children.append(value)
    return children


def unwrap(
    words: list[str],
    redirects: tuple[str, ...] = (),
    nested: tuple[Script, ...] = (),
    depth: int = 0,
    here: tuple[str, ...] = (),
) -> Invocation | None:
    """The command a word list runs, seen through assignments and wrappers."""
    inline: list[Script] = []
    index = 0
    while index < len(words) and _ASSIGNMENT.match(words[index]):
        index += 1
    while index < len(words):
        program = program_name(words[index])
        grammar = GRAMMARS.get(program)
        if grammar is None:
            break
        found = skip_options(words, index + 1, grammar)
        redirects = (*redirects, *found.files)
        if not found.runs:
            return Invocation(program, tuple(words[index + 1 :]), redirects, nested, here)
        if found.inline is not None:
            if program == "env":  # -S: the string is split into words, then the rest follows
                words = [*_split(found.inline), *words[found.index :]]
                index = 0
                while index < len(words) and _ASSIGNMENT.match(words[index]):
                    index += 1
                continue
            inline.append(parse(found.inline, depth + 1))
        index = found.index
        if program == "env":
            while index < len(words) and _ASSIGNMENT.match(words[index]):
                index += 1
        if program in JOINS_REST and index < len(words):
            inline.append(parse(" ".join(words[index:]), depth + 1))
            index = len(words)
    if inline:
        nested = (*nested, *inline)
    if index >= len(words):
        if not redirects and not nested and not here:
            return None
        return Invocation("", (), redirects, nested, here)
    args = tuple(words[index + 1 :])
    nested = (*nested, *_exec_commands(program_name(words[index]), args, depth))
    return Invocation(program_name(words[index]), args, redirects, nested, here)


def _exec_commands(program: str, args: tuple[str, ...], depth: int) -> tuple[Script, ...]:
    """What ``find … -exec CMD … ;`` (and ``-execdir``, ``-ok``) runs."""
    if program != "find":
        return ()
    found: list[Script] = []
    index = 0
    while index < len(args):
        if args[index] in ("-exec", "-execdir", "-ok", "-okdir"):
            end = index + 1
            while end < len(args) and args[end] not in _EXEC_ENDS:
                end += 1
            invocation = unwrap(list(args[index + 1 : end]), depth=depth + 1)
            if invocation is not None:
                found.append(Script(((invocation,),)))
            index = end
        index += 1
    return tuple(found)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


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
    """The code a shell or ``eval`` runs from its own line: ``bash -c CODE``, ``eval …``, and
    what a shell reading standard input is fed by a here-string or here-document."""
    if invocation.program == "eval":
        return " ".join(invocation.args) or None
    if invocation.program not in SHELLS:
        return None
    source = code_source(invocation.program, invocation.args)
    if source is None:
        return None
    code = list(source.inline)
    if source.stdin:
        code.extend(invocation.here)
    return "\n".join(code) or None


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
    redirects: list[str] = []
    pending_redirect = False
    for token in [*tokens, ";"]:
        if pending_redirect:
            redirects.append(token)
            pending_redirect = False
        elif token in ("|", "|&"):
            invocation = unwrap(words, tuple(redirects), (), depth)
            if invocation:
                pipeline.append(invocation)
            words, redirects = [], []
        elif set(token) <= set(";&|()") or token in ("[[", "]]", "!", "{", "}"):
            invocation = unwrap(words, tuple(redirects), (), depth)
            if invocation:
                pipeline.append(invocation)
            if pipeline:
                pipelines.append(tuple(pipeline))
            pipeline, words, redirects = [], [], []
        elif token in ("<", ">", ">>", "<>"):
            pending_redirect = True
        else:
            words.append(token)
    if nested and pipelines:
        first = pipelines[0][0]
        pipelines[0] = (
            Invocation(first.program, first.args, first.redirects, nested, first.here),
            *pipelines[0][1:],
        )
    elif nested:
        pipelines.append((Invocation("", (), (), nested),))
    return _with_inline(Script(tuple(pipelines), parsed=False), depth)


@dataclass(frozen=True)
class OracleToolCall(ToolCall):
    """A ``ToolCall`` whose Bash line is read by this oracle instead of the product's parser."""

    @cached_property
    def script(self) -> Script | None:
        command = self.tool_input.get("command")
        if self.tool_name == "Bash" and isinstance(command, str):
            if "\x00" in command:
                command = f"{command.split(chr(0), 1)[0]}\n{command.replace(chr(0), '')}"
            return parse_cached(command)
        return None
