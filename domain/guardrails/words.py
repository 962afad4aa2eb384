"""What a shell word expands to, where bashlex leaves it as written.

bashlex removes ordinary quotes but keeps ANSI-C quoting (``$'\\x2eenv'``) mangled, and does no
brace expansion (``.{env,bak}``). Rules must see the names the shell will pass, so both are
expanded here from the word's source text. Expansion is bounded: a word never expands to
more than ``MAX_EXPANSIONS`` words.
"""

from __future__ import annotations

import codecs
import re

MAX_EXPANSIONS = 64
_ANSI_C = re.compile(r"\$'((?:[^'\\]|\\.)*)'", re.DOTALL)
_BRACE = re.compile(r"\{([^{}]*)\}")
_SEQUENCE = re.compile(r"^(-?\d+)\.\.(-?\d+)$|^([A-Za-z])\.\.([A-Za-z])$")
_CONTROL = re.compile(r"\\c(.)")


def decode_ansi_c(body: str) -> str:
    """The text of ``$'…'``: C escapes (``\\n``, ``\\x2e``, ``\\056``, ``\\u002e``)."""
    body = _CONTROL.sub(lambda m: chr(ord(m.group(1).upper()) ^ 0x40), body)
    body = re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), body)
    body = body.replace("\\'", "'").replace("\\e", "\x1b").replace("\\E", "\x1b")
    try:
        return codecs.decode(body.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


def literal(source: str) -> str:
    """A word's source with its quotes removed and ``$'…'`` decoded (no other expansion)."""
    out: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if source.startswith("$'", index):
            match = _ANSI_C.match(source, index)
            if match:
                out.append(decode_ansi_c(match.group(1)))
                index = match.end()
                continue
        if char == "'":
            end = source.find("'", index + 1)
            end = len(source) if end < 0 else end
            out.append(source[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1
            while index < len(source) and source[index] != '"':
                if source[index] == "\\" and index + 1 < len(source):
                    index += 1
                out.append(source[index])
                index += 1
            index += 1
        elif char == "\\" and index + 1 < len(source):
            out.append(source[index + 1])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def expand_braces(word: str) -> list[str]:
    """``a{b,c}d`` is ``abd acd``; ``{1..3}`` is ``1 2 3``; nested and repeated braces too."""
    words = [word]
    for _ in range(8):
        changed = False
        expanded: list[str] = []
        for item in words:
            match = next((m for m in _BRACE.finditer(item) if _alternatives(m.group(1))), None)
            if match is None:
                expanded.append(item)
                continue
            changed = True
            head, tail = item[: match.start()], item[match.end() :]
            expanded.extend(head + alt + tail for alt in _alternatives(match.group(1)))
            if len(expanded) > MAX_EXPANSIONS:
                return expanded[:MAX_EXPANSIONS]
        words = expanded
        if not changed:
            break
    return words


def _alternatives(inside: str) -> list[str]:
    if "," in inside:
        return inside.split(",")
    sequence = _SEQUENCE.match(inside)
    if sequence is None:
        return []
    if sequence.group(1) is not None:
        low, high = int(sequence.group(1)), int(sequence.group(2))
        step = 1 if high >= low else -1
        return [str(n) for n in range(low, high + step, step)][:MAX_EXPANSIONS]
    low_c, high_c = ord(sequence.group(3)), ord(sequence.group(4))
    step = 1 if high_c >= low_c else -1
    return [chr(n) for n in range(low_c, high_c + step, step)][:MAX_EXPANSIONS]
