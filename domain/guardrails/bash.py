"""What a Bash command line will run: every simple command, however it is wrapped.

Parsed with tree-sitter-bash (a real grammar of Bash, in C, through py-tree-sitter), never with
regexes over the raw string, so pipes, ``&&``/``||``/``;``, subshells, brace groups, loops,
``if``/``case`` bodies, functions, ``[[ … ]]``, ``$(…)`` and backticks, ``<(…)``, here-strings
and here-documents are all walked. A compound command in a pipeline is one stage of it
(``(curl …) | bash`` pipes curl into bash), and redirections on a compound command are kept
(``while read l; do …; done < .env`` reads ``.env``). Wrappers are unwrapped with each one's
real option grammar (``domain.guardrails.wrappers``), and the code of ``bash -c "…"``, ``sh -c``,
``eval``, ``su -c``, ``env -S``, ``watch``, ``find -exec`` is parsed in turn. ``\\rm``,
``'rm'``, ``$'\\x72m'`` and ``/bin/rm`` are all ``rm``; words are read from their source text
with quotes removed, ANSI-C quotes decoded and braces expanded (``domain.guardrails.words``).

Two habits of the grammar are undone here, so a rule sees what Bash runs: a redirection written
after the last command of a pipeline or list (``a && b > out``) belongs to that last command,
and the rest of a line after a here-document's delimiter (``cat <<EOF | bash``) continues the
statement the here-document belongs to. The body of an unquoted here-document is searched for
``$(…)`` and backticks (Bash runs them); a quoted one (``<<'EOF'``) is data.

A line with a syntax error still has a tree, with ERROR nodes around what did not fit: every
command the tree does hold is kept, and a fallback that splits the line with shlex on the
control operators (and extracts ``$(…)`` and backticks) is added to it, so a rule never sees
*nothing* because the line was odd, nor less than either reading shows (``parsed`` is False).

The bashlex-based reader this replaced (issue 11) lives on only as the oracle of the tests
(``tests/unit/bashlex_oracle.py``): decisions through this parser equal its decisions on the
corpus, the red-team suites and generated command lines.
"""

from __future__ import annotations

import re
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from posixpath import basename

import tree_sitter
import tree_sitter_bash

from domain.guardrails.interpreters import SHELLS, code_source
from domain.guardrails.words import expand_braces, literal
from domain.guardrails.wrappers import GRAMMARS, JOINS_REST, skip_options

MAX_DEPTH = 6
MAX_REREADS = 8
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_SUBSTITUTION = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|`([^`]*)`|<\(([^()]*)\)")
_EXEC_ENDS = frozenset({";", "+", "\\;"})
_CODEC = ("utf-8", "surrogatepass")  # a hook body may carry lone surrogates; keep them

Pipeline = tuple["Invocation", ...]

_SEQUENCES = frozenset({"program", "list", "ERROR"})
_COMPOUNDS = frozenset({
    "subshell", "compound_statement", "for_statement", "c_style_for_statement",
    "while_statement", "if_statement", "case_statement", "function_definition", "test_command",
})  # fmt: skip
_SIMPLE = frozenset({"command", "declaration_command", "unset_command", "variable_assignment",
                     "variable_assignments"})  # fmt: skip
_CLAUSES = frozenset({"do_group", "elif_clause", "else_clause", "case_item"})
_REDIRECTS = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})
_HEREDOC_PARTS = frozenset({"heredoc_start", "heredoc_body", "heredoc_end"})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_DUPLICATIONS = frozenset({">&", "<&", ">&-", "<&-"})
_PIPES = frozenset({"|", "|&"})
_OPENERS = frozenset({"{", "if", "while", "until", "for", "case", "select", "function", "[[",
                      "!"})  # fmt: skip
"""Reserved words that open a compound command (the grammar misreads them after ``!``)."""
_RESERVED = _OPENERS | {"}", "then", "else", "elif", "fi", "do", "done", "esac", "in", "]]"}
"""No program runs under these names: as a command's first word they are a misread."""


@dataclass(frozen=True)
class Invocation:
    """One stage of a pipeline: a simple command (program, a basename, and its arguments), or
    a compound command (program ``""``) whose inside is in ``nested``."""

    program: str
    args: tuple[str, ...]
    redirects: tuple[str, ...] = ()
    """Files read or written through redirections (``< .env``, ``> out``)."""
    nested: tuple[Script, ...] = ()
    """Scripts inside this command: ``$(…)``, backticks, ``<(…)``, a compound's body."""
    here: tuple[str, ...] = ()
    """Here-strings and here-documents fed to it (data on its standard input)."""

    @property
    def argv(self) -> tuple[str, ...]:
        return (self.program, *self.args)


@dataclass(frozen=True)
class Script:
    """A parsed command line: pipelines of invocations, plus what ran inside them."""

    pipelines: tuple[tuple[Invocation, ...], ...] = ()
    inline: tuple[Script, ...] = field(default=())
    """Code run by ``bash -c``, ``sh -c``, ``eval`` … (parsed in turn)."""
    parsed: bool = True
    """False when the line had a syntax error (the shlex fallback's reading was added)."""

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
    source = command.encode(*_CODEC)
    for _ in range(MAX_REREADS):
        root = _parser().parse(source).root_node
        reader = _Reader(depth)
        try:
            script = _with_inline(Script(tuple(reader.pipelines(root))), depth)
        except RecursionError:  # thousands of nested brackets: only the flat reading is safe
            return _fallback(command, depth)
        if not reader.misreads:
            break
        source = _blanked(source, reader.misreads)  # ``! if …``, ``time {``: read again
    else:
        return _fallback(command, depth)
    if not root.has_error or not _errors_beyond(root, reader.repaired):
        return script
    rescue = _fallback(command, depth)
    return Script(script.pipelines + rescue.pipelines, script.inline + rescue.inline, False)


_local = threading.local()


def _parser() -> tree_sitter.Parser:
    """One parser per thread (a tree-sitter parser is not safe to share), built on first use."""
    parser: tree_sitter.Parser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
        _local.parser = parser
    return parser


class _Extra:
    """Redirections met around a command, and statements a here-document's line continues
    with (``cat <<EOF | bash``: ``piped``, or ``&& next``)."""

    __slots__ = ("here", "nested", "redirects", "rest")

    def __init__(self) -> None:
        self.redirects: list[str] = []
        self.here: list[str] = []
        self.nested: list[Script] = []
        self.rest: list[tuple[bool, tree_sitter.Node]] = []


class _Reader:
    """Walks tree-sitter's tree of one command line into pipelines of invocations."""

    def __init__(
        self,
        depth: int,
        repaired: set[int] | None = None,
        misreads: list[tuple[int, int]] | None = None,
    ) -> None:
        self.depth = depth
        self.repaired: set[int] = set() if repaired is None else repaired
        """ERROR nodes the reader understood (a grammar slip on valid Bash, not a bad line)."""
        self.misreads: list[tuple[int, int]] = [] if misreads is None else misreads
        """Keywords the grammar took for programs: byte ranges to blank before reading again."""

    def pipelines(self, node: tree_sitter.Node) -> list[Pipeline]:
        kind = node.type
        if kind in _SIMPLE:
            return _one(self.invocation(node, _Extra()))
        if kind == "pipeline":
            return _piped([self.pipelines(child) for child in node.named_children])
        if kind == "redirected_statement":
            return self.redirected(node)
        if kind in _COMPOUNDS:
            return _one(self.compound(node, _Extra()))
        if kind == "negated_command":
            self.note(_misread_negation(node))
        if kind in _SEQUENCES or kind == "negated_command":
            out: list[Pipeline] = []
            stack = list(reversed(node.named_children))
            while stack:  # ``a && b && …`` nests a list per operator: flattened without recursion
                child = stack.pop()
                if child.type == "list":
                    stack.extend(reversed(child.named_children))
                else:
                    out.extend(self.pipelines(child))
            return out
        if kind in _REDIRECTS:  # $(< .env), or a redirection the grammar left alone
            extra = _Extra()
            self.redirection(node, extra)
            head = _attach([], extra)
            for _, rest in extra.rest:
                head = head + self.pipelines(rest)
            return head
        if kind == "comment":
            return []
        nested = self.substitutions(node)  # a stray word (in an ERROR): what it runs
        return [(Invocation("", (), (), tuple(nested)),)] if nested else []

    def note(self, misread: tuple[int, int] | None) -> None:
        if misread is not None:
            self.misreads.append(misread)

    def redirected(self, node: tree_sitter.Node) -> list[Pipeline]:
        body = node.child_by_field_name("body")
        extra = _Extra()
        children = node.named_children
        for index, child in enumerate(children):
            if body is not None and child == body:
                continue
            if _split_here_string(child, children[index + 1 : index + 2]):
                self.repaired.add(child.id)  # ``> out <<< x``: lexed as ``<<`` then ``< x``
                target = children[index + 1].child_by_field_name("destination")
                if target is not None:
                    extra.here.append(self.word(target)[0])
                    extra.nested.extend(self.substitutions(target))
                children[index + 1] = child  # read already
                continue
            if child.type != "ERROR" or child.id not in self.repaired:
                self.redirection(child, extra)
        rests, extra.rest = extra.rest, []
        if body is not None and body.type in _SIMPLE:
            head = _one(self.invocation(body, extra))
        elif body is not None and body.type in _COMPOUNDS:
            head = _one(self.compound(body, extra))
        else:  # ``a | b > out``: the grammar hangs the redirection on the whole pipeline
            head = _attach(self.pipelines(body) if body is not None else [], extra)
        for piped, rest in rests:
            part = self.pipelines(rest)
            head = _piped([head, part]) if piped else head + part
        return head

    def redirection(self, node: tree_sitter.Node, extra: _Extra) -> None:
        kind = node.type
        if kind == "file_redirect":
            target = node.child_by_field_name("destination")
            if target is None:
                return
            extra.nested.extend(self.substitutions(target))
            operator = next((c.type for c in node.children if not c.is_named), "")
            text = _text(target)
            if operator in _DUPLICATIONS and (text.isdigit() or text == "-"):
                return  # 2>&1 names a descriptor, not a file
            extra.redirects.extend(self.word(target))
        elif kind == "herestring_redirect":
            target = next(iter(node.named_children), None)
            if target is not None:
                extra.nested.extend(self.substitutions(target))
                extra.here.append(self.word(target)[0])
        elif kind == "heredoc_redirect":
            self.heredoc(node, extra)
        elif kind != "comment":
            extra.nested.extend(self.substitutions(node))

    def heredoc(self, node: tree_sitter.Node, extra: _Extra) -> None:
        first = node.child(0)
        dash = first is not None and first.type == "<<-"  # tabs before each line are dropped
        operator = ""
        quoted = False
        for child in node.children:
            kind = child.type
            if not child.is_named:
                operator = kind
            elif kind == "heredoc_start":
                quoted = _quoted(_text(child))
            elif kind == "heredoc_body":
                text = _text(child)
                if dash:
                    text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
                extra.here.append(text.rstrip("\n"))
                if not quoted:  # Bash runs $(…) and backticks in an unquoted body
                    extra.nested.extend(self.substitutions(child))
            elif kind in _REDIRECTS:
                self.redirection(child, extra)
            elif kind not in _HEREDOC_PARTS:
                lead = child.child(0) if kind == "pipeline" else None
                piped = operator in _PIPES or (lead is not None and lead.type in _PIPES)
                extra.rest.append((piped, child))

    def invocation(self, node: tree_sitter.Node, extra: _Extra) -> Invocation | None:
        words: list[str] = []
        kind = node.type
        if kind == "command":
            self.note(_misread_time(node))
        if kind in ("declaration_command", "unset_command"):
            first = node.child(0)
            if first is not None:
                words.append(first.type)  # export, declare, local, readonly, typeset, unset
        children = [node] if kind == "variable_assignment" else node.named_children
        for child in children:
            kind = child.type
            if kind == "command_name" and _first_word(child) in _RESERVED:
                continue  # ``do rm …`` after a misread loop: what follows still runs
            if kind in _REDIRECTS:
                self.redirection(child, extra)
            elif kind in _STATEMENTS and kind != "variable_assignment":  # ``time (a)``
                extra.nested.append(Script(tuple(self.pipelines(child))))
            elif kind == "variable_assignment":  # no brace expansion in an assignment
                raw = _text(child)
                words.append(literal(raw) if _quoted(raw) else raw)
                extra.nested.extend(self.substitutions(child))
            elif kind != "comment":
                words.extend(self.word(child))
                extra.nested.extend(self.substitutions(child))
        for _, rest in extra.rest:  # a here-document inside a command: keep what follows
            extra.nested.append(Script(tuple(self.pipelines(rest))))
        return unwrap(words, tuple(extra.redirects), tuple(extra.nested), self.depth,
                      tuple(extra.here))  # fmt: skip

    def compound(self, node: tree_sitter.Node, extra: _Extra) -> Invocation | None:
        inner: list[Pipeline] = []
        self.body(node, inner, extra)
        for _, rest in extra.rest:
            inner.extend(self.pipelines(rest))
        if not inner and not extra.redirects and not extra.nested and not extra.here:
            return None
        body = (*extra.nested, *((Script(tuple(inner)),) if inner else ()))
        return Invocation("", (), tuple(extra.redirects), body, tuple(extra.here))

    def body(self, node: tree_sitter.Node, inner: list[Pipeline], extra: _Extra) -> None:
        for child in node.named_children:
            kind = child.type
            if kind in _CLAUSES:
                self.body(child, inner, extra)
            elif kind in _STATEMENTS:
                inner.extend(self.pipelines(child))
            elif kind in _REDIRECTS:
                self.redirection(child, extra)
            elif kind != "comment":  # loop words, case subjects, [[ … ]] operands
                extra.nested.extend(self.substitutions(child))

    def word(self, node: tree_sitter.Node) -> list[str]:
        """The words the shell passes for one word node (quotes removed, ANSI-C quotes
        decoded, braces expanded), read from the word's source text."""
        raw = _text(node)
        if _quoted(raw):
            return [literal(raw)]
        if "{" in raw:
            return expand_braces(raw)
        return [raw]

    def substitutions(self, node: tree_sitter.Node) -> list[Script]:
        """The scripts run by ``$(…)``, backticks and ``<(…)`` anywhere inside ``node``."""
        if not node.named_child_count and node.type not in _SUBSTITUTIONS:
            return []  # a plain word, the common case
        found: list[Script] = []
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in _SUBSTITUTIONS:
                reader = _Reader(self.depth + 1, self.repaired, self.misreads)
                inner: list[Pipeline] = []
                for child in current.named_children:
                    inner.extend(reader.pipelines(child))
                found.append(_with_inline(Script(tuple(inner)), self.depth + 1))
            elif current.named_child_count:
                stack.extend(reversed(current.named_children))
        return found


_STATEMENTS = _SIMPLE | _COMPOUNDS | _SEQUENCES | {"pipeline", "redirected_statement",
                                                    "negated_command"}  # fmt: skip


def _misread_negation(node: tree_sitter.Node) -> tuple[int, int] | None:
    """tree-sitter-bash reads ``! if a; then b; fi`` (``! {``, ``! ! while`` …) as a command
    named ``if`` (or ``!``): the bytes of the ``!``s to blank, so the line reads as Bash does.
    Negation never changes what runs."""
    command = node.named_children[0] if node.named_child_count else None
    if command is None or command.type != "command":
        return None
    name = command.child_by_field_name("name")
    words = [w for w in (name, *command.children_by_field_name("argument")) if w is not None]
    bangs = 0
    while bangs < len(words) and _text(words[bangs]) == "!":
        bangs += 1
    if bangs < len(words) and _first_word(words[bangs]) in _OPENERS:
        return node.start_byte, (words[bangs - 1].end_byte if bangs else node.start_byte + 1)
    return None


def _misread_time(node: tree_sitter.Node) -> tuple[int, int] | None:
    """``time { …; }`` and ``time if …`` come as a command named ``time``: the keyword's bytes
    (and ``-p``'s) to blank. Timing never changes what runs."""
    name = node.child_by_field_name("name")
    if name is None or _text(name) != "time":
        return None
    arguments = node.children_by_field_name("argument")
    end = name.end_byte
    if arguments and _text(arguments[0]) == "-p":  # time -p: POSIX output format
        end = arguments[0].end_byte
        arguments = arguments[1:]
    if arguments and _first_word(arguments[0]) in _OPENERS:
        return name.start_byte, end
    return None


def _blanked(source: bytes, ranges: list[tuple[int, int]]) -> bytes:
    out = bytearray(source)
    for start, end in ranges:
        out[start:end] = b" " * (end - start)
    return bytes(out)


def _first_word(node: tree_sitter.Node) -> str:
    """``{ {`` after ``!`` comes as one word: its first reserved word is the one that counts."""
    words = _text(node).split(maxsplit=1)
    return words[0] if words else ""


def _split_here_string(node: tree_sitter.Node, following: list[tree_sitter.Node]) -> bool:
    """After a redirection the grammar lexes ``<<<`` as ``<<`` (an ERROR) and ``< word``."""
    if node.type != "ERROR" or _text(node) != "<<" or not following:
        return False
    after = following[0]
    first = after.child(0)
    return (after.type == "file_redirect" and after.start_byte == node.end_byte
            and first is not None and first.type == "<")  # fmt: skip


def _errors_beyond(root: tree_sitter.Node, repaired: set[int]) -> bool:
    """Whether the tree holds a syntax error the reader did not understand."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing or (node.is_error and node.id not in repaired):
            return True
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return False


def _quoted(raw: str) -> bool:
    return "'" in raw or '"' in raw or "\\" in raw


def _text(node: tree_sitter.Node) -> str:
    text = node.text
    return text.decode(*_CODEC) if text is not None else ""


def _one(invocation: Invocation | None) -> list[Pipeline]:
    return [(invocation,)] if invocation is not None else []


def _piped(parts: list[list[Pipeline]]) -> list[Pipeline]:
    """Joins readings with ``|``: the last pipeline of one and the first of the next are one."""
    out: list[Pipeline] = []
    for part in parts:
        if not part:
            continue
        if out:
            out[-1] = (*out[-1], *part[0])
            out.extend(part[1:])
        else:
            out.extend(part)
    return out


def _attach(head: list[Pipeline], extra: _Extra) -> list[Pipeline]:
    """Gives redirections written after a pipeline or list to its last command."""
    if not extra.redirects and not extra.nested and not extra.here:
        return head
    if not head:
        return [(Invocation("", (), tuple(extra.redirects), tuple(extra.nested),
                            tuple(extra.here)),)]  # fmt: skip
    last = head[-1][-1]
    last = Invocation(
        last.program,
        last.args,
        (*last.redirects, *extra.redirects),
        (*last.nested, *extra.nested),
        (*last.here, *extra.here),
    )
    return [*head[:-1], (*head[-1][:-1], last)]


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
        elif not words and token in _RESERVED:  # ``then rm …``: what follows is the command
            continue
        elif "{" in token:  # {rm,-rf,/}: the grammar took the brace for a group; Bash expands it
            words.extend(expand_braces(token))
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
