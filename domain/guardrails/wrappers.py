"""Programs that run another program, each with its real option grammar.

``sudo -u root rm -rf /`` runs ``rm``; so do ``sudo --user=root rm``, ``sudo -uroot rm``,
``xargs -I{} -n 1 rm``, ``env -S 'rm -rf /'``, ``timeout -k 5 10 rm`` and ``busybox rm``. To find
the wrapped command every wrapper's options are read the way the wrapper reads them: short
options cluster (``-Eu root``) and may carry their value attached (``-uroot``); long options
take ``--name=value`` or ``--name value`` and may be abbreviated to any unambiguous prefix
(GNU getopt), and ``--`` ends the options. Each table below is the tool's documented grammar.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Grammar:
    """How one wrapper's options read, and what comes between them and the command."""

    short_value: str = ""
    """Short options that take a value (attached, or the next word)."""
    short_optional: str = ""
    """Short options whose value can only be attached (``xargs -i{}``)."""
    long_value: frozenset[str] = frozenset()
    long_flags: frozenset[str] = frozenset()
    long_optional: frozenset[str] = frozenset()
    """Long options whose value can only follow ``=``."""
    operands_before: int = 0
    """Operands before the command (``timeout DURATION``, ``chroot NEWROOT``)."""
    numeric_option: bool = False
    """``nice -5``: a dash and digits is an option."""
    no_run_flags: str = ""
    """Short flags that mean the command is not run (``command -v rm`` only looks it up)."""
    inline_flag: str = ""
    """A short option whose value is a whole command line (``su -c``, ``env -S``)."""
    inline_long: frozenset[str] = field(default_factory=frozenset)
    dash_option: bool = False
    """A lone ``-`` is an option (``env -`` is ``env -i``; ``su -`` is ``su --login``)."""

    def long_names(self) -> frozenset[str]:
        return self.long_value | self.long_flags | self.long_optional | self.inline_long


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


GRAMMARS: dict[str, Grammar] = {
    "sudo": Grammar(
        short_value="ugChprtUDRT",
        long_value=_names(
            "--user",
            "--group",
            "--close-from",
            "--host",
            "--prompt",
            "--role",
            "--type",
            "--other-user",
            "--chdir",
            "--chroot",
            "--command-timeout",
        ),
        long_flags=_names(
            "--askpass",
            "--background",
            "--bell",
            "--edit",
            "--help",
            "--login",
            "--list",
            "--non-interactive",
            "--preserve-groups",
            "--remove-timestamp",
            "--reset-timestamp",
            "--set-home",
            "--shell",
            "--stdin",
            "--validate",
            "--version",
        ),
        long_optional=_names("--preserve-env"),
    ),
    "doas": Grammar(short_value="uCa"),
    "xargs": Grammar(
        short_value="aEIdLnPs",
        short_optional="eil",
        long_value=_names(
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--max-chars",
            "--process-slot-var",
        ),
        long_flags=_names(
            "--null",
            "--interactive",
            "--no-run-if-empty",
            "--verbose",
            "--exit",
            "--open-tty",
            "--show-limits",
            "--help",
            "--version",
        ),
        long_optional=_names("--eof", "--replace", "--max-lines"),
    ),
    "env": Grammar(
        short_value="uC",
        long_value=_names("--unset", "--chdir"),
        long_flags=_names(
            "--ignore-environment",
            "--null",
            "--debug",
            "--list-signal-handling",
            "--help",
            "--version",
        ),
        long_optional=_names("--block-signal", "--default-signal", "--ignore-signal"),
        inline_flag="S",
        inline_long=_names("--split-string"),
        dash_option=True,
    ),
    "nice": Grammar(short_value="n", long_value=_names("--adjustment"), numeric_option=True),
    "timeout": Grammar(
        short_value="sk",
        long_value=_names("--signal", "--kill-after"),
        long_flags=_names("--foreground", "--preserve-status", "--verbose", "--help", "--version"),
        operands_before=1,
    ),
    "nohup": Grammar(long_flags=_names("--help", "--version")),
    "stdbuf": Grammar(short_value="ioe", long_value=_names("--input", "--output", "--error")),
    "ionice": Grammar(short_value="cnp", long_value=_names("--class", "--classdata", "--pid")),
    "time": Grammar(
        short_value="fo",
        long_value=_names("--format", "--output"),
        long_flags=_names("--append", "--portability", "--verbose", "--quiet", "--help"),
    ),
    "command": Grammar(no_run_flags="vV"),
    "builtin": Grammar(),
    "exec": Grammar(short_value="a"),
    "busybox": Grammar(),
    "setsid": Grammar(long_flags=_names("--ctty", "--fork", "--wait")),
    "chroot": Grammar(
        long_value=_names("--groups", "--userspec", "--skip-chdir"), operands_before=1
    ),
    "unbuffer": Grammar(),
    "caffeinate": Grammar(short_value="tw"),
    "taskset": Grammar(
        short_value="", long_flags=_names("--all-tasks", "--cpu-list", "--pid"), operands_before=1
    ),
    "chrt": Grammar(operands_before=1),
    "su": Grammar(
        short_value="gGsw",
        long_value=_names("--group", "--supp-group", "--shell"),
        inline_flag="c",
        inline_long=_names("--command", "--session-command"),
        operands_before=1,
        dash_option=True,
    ),
    "runuser": Grammar(
        short_value="gGsuw",
        long_value=_names("--group", "--supp-group", "--shell", "--user"),
        inline_flag="c",
        inline_long=_names("--command", "--session-command"),
    ),
    "flock": Grammar(
        short_value="wE",
        long_value=_names("--timeout", "--conflict-exit-code"),
        inline_flag="c",
        inline_long=_names("--command"),
        operands_before=1,
    ),
    "watch": Grammar(
        short_value="nd", long_value=_names("--interval"), long_optional=_names("--differences")
    ),
}
"""Wrappers whose command follows their options. ``watch`` joins the rest into one line."""

JOINS_REST = frozenset({"watch"})
"""Wrappers that run the rest of their words as one shell command line."""


def expand_long(option: str, known: frozenset[str]) -> str:
    """``--recur`` is ``--recursive`` when no other known option starts so (GNU getopt)."""
    name = option.split("=", 1)[0]
    if name in known or not name.startswith("--") or len(name) < 3:
        return name
    matches = [k for k in known if k.startswith(name)]
    return matches[0] if len(matches) == 1 else name


def meanings(option: str, known: frozenset[str]) -> set[str]:
    """Every option ``option`` may stand for: a guard reads an ambiguous prefix (which the
    tool itself would refuse) as each of the options it could abbreviate."""
    name = option.split("=", 1)[0]
    if name in known or not name.startswith("--") or len(name) < 3:
        return {name}
    return {k for k in known if k.startswith(name)} or {name}


@dataclass(frozen=True)
class Unwrapped:
    """What a wrapper's words come to."""

    index: int
    """Where the wrapped command starts (``len(words)`` when there is none)."""
    inline: str | None = None
    """A command line given as an option's value (``su -c``, ``env -S``)."""
    runs: bool = True
    """False when the wrapper only looks the command up (``command -v``)."""


def skip_options(words: list[str], index: int, grammar: Grammar) -> Unwrapped:
    """Reads a wrapper's options from ``words[index]`` on."""
    inline: str | None = None
    long_names = grammar.long_names()
    while index < len(words):
        word = words[index]
        if word == "--":
            index += 1
            break
        if word.startswith("--"):
            name = expand_long(word, long_names)
            has_value = "=" in word
            value = word.split("=", 1)[1] if has_value else None
            takes = name in grammar.long_value or name in grammar.inline_long
            if takes and not has_value:
                value = words[index + 1] if index + 1 < len(words) else None
                index += 1
            if name in grammar.inline_long and value is not None:
                inline = value
            index += 1
            continue
        if word == "-" and grammar.dash_option:
            index += 1
            continue
        if not word.startswith("-") or word == "-":
            break
        if grammar.numeric_option and word[1:].isdigit():
            index += 1
            continue
        letters = word[1:]
        step = 1
        for position, letter in enumerate(letters):
            rest = letters[position + 1 :]
            if letter in grammar.no_run_flags:
                return Unwrapped(len(words), runs=False)
            if letter in grammar.short_optional:
                break
            if letter in grammar.short_value or letter == grammar.inline_flag:
                value = rest if rest else (words[index + 1] if index + 1 < len(words) else None)
                if not rest:
                    step = 2
                if letter == grammar.inline_flag and value is not None:
                    inline = value
                break
        index += step
    for _ in range(grammar.operands_before):
        if index < len(words):
            index += 1
    if grammar.operands_before and index < len(words) and words[index].startswith("-"):
        # ``flock FILE -c CMD``: options may follow the operand too.
        again = skip_options(words, index, replace(grammar, operands_before=0))
        return Unwrapped(again.index, again.inline or inline, again.runs)
    return Unwrapped(index, inline)
