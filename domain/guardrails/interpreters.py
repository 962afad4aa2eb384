"""Where a shell or an interpreter takes its code from: the command line, a script file, or
standard input.

``bash -c CODE``, ``python3 -c CODE``, ``node -e CODE`` run code given on the line; ``bash
x.sh`` and ``python3 x.py`` run a file; ``bash``, ``sh -s``, ``python3 -`` and ``perl`` with no
script run what arrives on standard input — from a pipe, a here-string or a here-document. Each
interpreter's options that take a value are known (``bash -o pipefail``, ``python3 -W ignore``,
``ruby -I lib``), so a value is never mistaken for a script.
"""

from __future__ import annotations

from dataclasses import dataclass

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "mksh", "busybox-sh"})


@dataclass(frozen=True)
class Grammar:
    code: str
    """Short options whose value is code (``-c``, ``-e``)."""
    value: str
    """Other short options that take a value."""
    long_code: frozenset[str] = frozenset()
    long_value: frozenset[str] = frozenset()
    module: str = ""
    """Short options that run a module or file named by their value (``python -m``)."""
    stdin_flag: str = ""
    """A flag that reads code from standard input even with operands (``sh -s``)."""


_SHELL = Grammar(code="c", value="oO", long_value=frozenset({"--rcfile", "--init-file"}),
                 stdin_flag="s")  # fmt: skip
_PYTHON = Grammar(code="c", value="WXQ", module="m")
GRAMMARS: dict[str, Grammar] = {
    **dict.fromkeys(SHELLS, _SHELL),
    **dict.fromkeys(("python", "python2", "python3", "pypy", "pypy3"), _PYTHON),
    "perl": Grammar(code="eE", value="IMmx"),
    "ruby": Grammar(code="e", value="IrECx", long_value=frozenset({"--encoding"})),
    "node": Grammar(
        code="ep",
        value="r",
        long_code=frozenset({"--eval", "--print"}),
        long_value=frozenset(
            {"--require", "--import", "--loader", "--experimental-loader", "--input-type"}
        ),
    ),
    "php": Grammar(code="r", value="dcz", module="f"),
    "lua": Grammar(code="e", value="l"),
}
GRAMMARS["nodejs"] = GRAMMARS["node"]


@dataclass(frozen=True)
class CodeSource:
    inline: tuple[str, ...] = ()
    """Code given on the command line."""
    script: str | None = None
    """A script file (or module) it runs instead."""
    stdin: bool = False
    """True when it runs what arrives on its standard input."""


def code_source(program: str, args: tuple[str, ...]) -> CodeSource | None:
    """How ``program`` (a shell or interpreter) gets its code, or None for other programs."""
    grammar = GRAMMARS.get(program)
    if grammar is None:
        return None
    inline: list[str] = []
    expects_code_operand = False
    reads_stdin_flag = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "-":
            return CodeSource(tuple(inline), None, True)
        if arg == "--":
            index += 1
            break
        if arg.startswith("--"):
            name, has_value, value = arg.partition("=")
            takes = name in grammar.long_code or name in grammar.long_value
            if takes and not has_value:
                value = args[index + 1] if index + 1 < len(args) else ""
                index += 1
            if name in grammar.long_code:
                inline.append(value)
            index += 1
            continue
        if not arg.startswith(("-", "+")) or len(arg) == 1:
            break
        step = 1
        letters = arg[1:]
        for position, letter in enumerate(letters):
            rest = letters[position + 1 :]
            if letter == grammar.stdin_flag and arg.startswith("-"):
                reads_stdin_flag = True
            if letter in grammar.code:
                if program in SHELLS:  # sh -c: the code is the first operand
                    expects_code_operand = True
                    continue
                code = rest or (args[index + step] if index + step < len(args) else "")
                step += 0 if rest else 1
                inline.append(code)
                break
            if letter in grammar.module:
                return CodeSource(tuple(inline), rest or "module", False)
            if letter in grammar.value:
                step += 0 if rest else 1
                break
        index += step
    operands = args[index:]
    if expects_code_operand:
        return CodeSource((operands[0],) if operands else (), None, False)
    if inline:
        return CodeSource(tuple(inline), None, False)
    if reads_stdin_flag or not operands:
        return CodeSource((), None, True)
    return CodeSource((), operands[0], operands[0] == "-")
