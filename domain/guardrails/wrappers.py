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
    command_after: str = ""
    """Options after which the command follows at once (``runuser -u USER CMD``, where plain
    ``runuser USER -c CMD`` takes a user operand first)."""
    file_value: str = ""
    """Short options whose value is a file the wrapper reads (``xargs -a FILE``)."""
    file_long: frozenset[str] = frozenset()
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
        file_value="a",
        file_long=_names("--arg-file"),
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
        operands_before=1,
        dash_option=True,
        command_after="u",
    ),
    "flock": Grammar(
        short_value="wE",
        long_value=_names("--timeout", "--conflict-exit-code"),
        inline_flag="c",
        inline_long=_names("--command"),
        operands_before=1,
    ),
    "watch": Grammar(
        short_value="n",
        short_optional="d",
        long_value=_names("--interval"),
        long_optional=_names("--differences"),
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
    files: tuple[str, ...] = ()
    """Files the wrapper itself reads (``xargs -a FILE``)."""


@dataclass
class _Reading:
    """What reading one wrapper's options found so far."""

    inline: str | None = None
    files: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _long_option(words: list[str], index: int, grammar: Grammar, found: _Reading) -> int:
    """Reads ``--name[=value]`` at ``index``; returns the index after it (and its value)."""
    word = words[index]
    name = expand_long(word, grammar.long_names())
    has_value = "=" in word
    value = word.split("=", 1)[1] if has_value else None
    if (name in grammar.long_value or name in grammar.inline_long) and not has_value:
        value = words[index + 1] if index + 1 < len(words) else None
        index += 1
    if name in grammar.inline_long and value is not None:
        found.inline = value
    if name in grammar.file_long and value is not None:
        found.files.append(value)
    return index + 1


def _short_options(words: list[str], index: int, grammar: Grammar, found: _Reading) -> int | None:
    """Reads a cluster ``-abc[value]`` at ``index``; None when the command will not run."""
    letters = words[index][1:]
    for position, letter in enumerate(letters):
        rest = letters[position + 1 :]
        if letter in grammar.no_run_flags:
            return None
        if letter in grammar.short_optional:
            break
        found.seen.add(letter)
        if letter in grammar.short_value or letter == grammar.inline_flag:
            value = rest or (words[index + 1] if index + 1 < len(words) else None)
            if letter == grammar.inline_flag and value is not None:
                found.inline = value
            if letter in grammar.file_value and value is not None:
                found.files.append(value)
            return index + (1 if rest else 2)
    return index + 1


def skip_options(words: list[str], index: int, grammar: Grammar) -> Unwrapped:
    """Reads a wrapper's options from ``words[index]`` on."""
    found = _Reading()
    while index < len(words):
        word = words[index]
        if word == "--":
            index += 1
            break
        if word.startswith("--"):
            index = _long_option(words, index, grammar, found)
        elif word == "-" and grammar.dash_option:
            index += 1
        elif not word.startswith("-") or word == "-":
            break
        elif grammar.numeric_option and word[1:].isdigit():
            index += 1
        else:
            after = _short_options(words, index, grammar, found)
            if after is None:
                return Unwrapped(len(words), runs=False)
            index = after
    files = tuple(found.files)
    if found.seen & set(grammar.command_after):
        return Unwrapped(index, found.inline, files=files)
    index = min(index + grammar.operands_before, len(words))
    if grammar.operands_before and index < len(words) and words[index].startswith("-"):
        # ``flock FILE -c CMD``: options may follow the operand too.
        again = skip_options(words, index, replace(grammar, operands_before=0))
        return Unwrapped(again.index, again.inline or found.inline, again.runs,
                         files + again.files)  # fmt: skip
    return Unwrapped(index, found.inline, files=files)
