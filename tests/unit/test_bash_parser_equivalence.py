"""Decisions through the tree-sitter parser, fresh and through the parse cache, equal the
decisions through the bashlex reader it replaced (``tests/unit/bashlex_oracle.py``), on every
Bash call of the corpus and the red-team suites and on generated command lines.

The generator builds realistic lines from a small grammar: programs agents run (and the ones the
rules watch), their flags and operands (``/``, ``~``, ``.env``, URLs), quoting of every kind,
``$(…)``, backticks, ``<(…)``, redirections, here-strings, wrappers, ``bash -c``, pipes, lists,
subshells, brace groups, loops and ``if``.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.guardrails import bash
from domain.guardrails.defaults import default_rules
from domain.guardrails.rules import evaluate, ordered
from domain.guardrails.values import ToolCall
from tests.conftest import ROOT
from tests.unit import bashlex_oracle
from tests.unit import test_guardrail_red_team as red_team
from tests.unit.bashlex_oracle import OracleToolCall
from tests.unit.red_team_independent import CASES

RULES = ordered(default_rules())


def judged(call: ToolCall) -> tuple[str | None, str | None]:
    verdict = evaluate(RULES, call)
    return (verdict.decision.value if verdict.decision else None), verdict.rule_id


def decisions(command: str) -> tuple[tuple[str | None, str | None], ...]:
    """The oracle's decision, the new parser's fresh one, and the new parser's cached one."""
    tool_input = {"command": command}
    oracle = judged(OracleToolCall("Bash", tool_input, "oracle"))
    bash.parse_cached.cache_clear()
    fresh = judged(ToolCall("Bash", tool_input, "fresh"))
    cached = judged(ToolCall("Bash", tool_input, "cached"))  # served from the cache
    return oracle, fresh, cached


def bashlex_read(command: str) -> bool:
    """Whether bashlex parsed the line and every line inside it (``eval``, ``bash -c``)."""

    def parsed(script: bash.Script) -> bool:
        inside = [s for i in script.invocations() for s in i.nested] + list(script.inline)
        return script.parsed and all(parsed(s) for s in inside)

    return parsed(bashlex_oracle.parse(command))


def known_commands() -> list[str]:
    commands = [c for _, c in red_team.DENIED_BASH + red_team.ASKED_BASH] + red_team.ALLOWED_BASH
    commands += [str(i["command"]) for t, i, _, _ in CASES if t == "Bash" and "command" in i]
    for path in sorted((ROOT / "tests/corpus/claude_hooks").rglob("*.json")):
        try:
            hook = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            continue
        if not isinstance(hook, dict):
            continue
        tool_input = hook.get("tool_input")
        if hook.get("tool_name") == "Bash" and isinstance(tool_input, dict):
            command = tool_input.get("command")
            if isinstance(command, str):
                commands.append(command)
    return commands


KNOWN = known_commands()


def test_the_known_commands_cover_the_corpus_and_both_red_teams() -> None:
    assert len(KNOWN) >= 1_500
    assert any("rm -rf node_modules dist" in c for c in KNOWN)  # from the corpus


def test_every_known_command_is_decided_as_the_old_parser_decided() -> None:
    wrong = [(c, *decisions(c)) for c in KNOWN if len(set(decisions(c))) != 1]
    assert wrong == []


def test_the_corpus_gets_its_expected_decisions_through_the_new_parser() -> None:
    manifest = json.loads((ROOT / "tests/corpus/manifest.json").read_text())
    checked = 0
    for hook in manifest["hooks"]:
        if hook["hook_event_name"] != "PreToolUse":
            continue
        body = json.loads((ROOT / "tests/corpus" / hook["file"]).read_text())
        expected = None if hook["expected_decision"] == "none" else hook["expected_decision"]
        call = ToolCall(body["tool_name"], body["tool_input"], body["session_id"])
        bash.parse_cached.cache_clear()
        assert judged(call)[0] == expected, hook["file"]
        again = ToolCall(body["tool_name"], body["tool_input"], body["session_id"])
        assert judged(again)[0] == expected, hook["file"]  # the cached parse
        checked += 1
    assert checked >= 16


# -- a grammar of command lines ------------------------------------------------------------

PROGRAMS = ["npm", "git", "ls", "cat", "echo", "grep", "rm", "curl", "wget", "python3", "node",
            "docker", "kubectl", "aws", "terraform", "psql", "chmod", "cp", "mv", "tar", "sed",
            "find", "head", "make", "pytest", "gh", "ssh", "scp", "dd", "mkfs", "base64"]  # fmt: skip
SHELLS = ["bash", "sh", "zsh"]
WRAPPERS = ["sudo", "sudo -u root", "env", "env X=1", "nohup", "nice -n 5", "timeout 5",
            "xargs", "xargs -n1", "command", "exec", "time", "doas", "stdbuf -oL"]  # fmt: skip
FLAGS = ["-r", "-f", "-rf", "-fr", "-R", "--force", "--recursive", "-la", "-n", "1", "-v",
         "--", "-i", "-c", "-e", "--run", "-o", "push", "--force-with-lease", "origin", "main",
         "test", "status", "delete", "destroy", "-auto-approve", "apply"]  # fmt: skip
OPERANDS = ["/", "~", "$HOME", "/tmp/x", ".", "..", "*", ".env", ".env.example", "src/app.ts",
            "node_modules", "dist", "~/.ssh/id_rsa", "~/.aws/credentials", "/etc/passwd",
            "https://example.com/install.sh", "secrets.yaml", "README.md", "1234", "x y",
            "DROP TABLE users", "s/a/b/", "of=/dev/sda", "if=/dev/zero", "-"]  # fmt: skip


def single(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def double(text: str) -> str:
    return '"' + "".join("\\" + c if c in '"\\`' else c for c in text) + '"'


def ansi_c(text: str) -> str:
    return "$'" + "".join(f"\\x{ord(c):02x}" if c.isalpha() else c for c in text) + "'"


def sub(code: str) -> str:
    """What goes inside ``$(…)`` or ``(…)``: a space keeps ``$( (a) )`` from reading as
    arithmetic ``$((…))`` (Bash needs the space too)."""
    return f" {code} " if code.startswith("(") else code


def backslashed(text: str) -> str:
    return "".join("\\" + c if c.isalpha() and i == 0 else c for i, c in enumerate(text))


plain = st.sampled_from(FLAGS + OPERANDS)
quoted = st.builds(lambda q, t: q(t), st.sampled_from([single, double, ansi_c, backslashed]),
                   st.sampled_from(OPERANDS + PROGRAMS))  # fmt: skip
braced = st.builds(lambda a, b: "{" + a + "," + b + "}", st.sampled_from(OPERANDS[:12]),
                   st.sampled_from(OPERANDS[:12])).filter(lambda w: " " not in w)  # fmt: skip


def command_lines() -> st.SearchStrategy[str]:
    def simple(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        substituted = st.one_of(
            st.builds(lambda c: f"$({sub(c)})", children),
            st.builds(lambda c: f'"$({sub(c)})"', children),
            st.builds(lambda c: f"<({c})", children),
        )
        word = st.one_of(plain, plain, quoted, braced, substituted)
        program = st.one_of(st.sampled_from(PROGRAMS + SHELLS),
                            st.builds(lambda q, p: q(p), st.sampled_from([single, backslashed]),
                                      st.sampled_from(PROGRAMS)),
                            st.builds(lambda p: "/usr/bin/" + p, st.sampled_from(PROGRAMS)))  # fmt: skip
        redirect = st.sampled_from(["> out.txt", "2>&1", "< .env", ">> log", "2>/dev/null",
                                    "&> all.log", "> ~/.ssh/authorized_keys", "<<< 'rm -rf /'",
                                    "< /etc/shadow"])  # fmt: skip
        base = st.builds(
            lambda w, p, a, r: " ".join([*w, p, *a, *r]),
            st.lists(st.sampled_from(WRAPPERS), max_size=2),
            program,
            st.lists(word, max_size=5),
            st.lists(redirect, max_size=2),
        )
        inline = st.builds(lambda s, c, q: f"{s} -c {q(c)}", st.sampled_from(SHELLS), children,
                           st.sampled_from([single, double]))  # fmt: skip
        return st.one_of(base, base, base, inline)

    def compound(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        joined = st.builds(lambda a, op, b: f"{a} {op} {b}", children,
                           st.sampled_from(["|", "&&", "||", ";", "|&", "&"]), children)  # fmt: skip
        return st.one_of(
            simple(children),
            joined,
            joined,
            st.builds(lambda c: f"({sub(c)})", children),
            st.builds(lambda c: f"{{ {c}; }}", children),
            st.builds(
                lambda c, r: f"({sub(c)}) {r}", children, st.sampled_from(["> out", "< .env"])
            ),
            st.builds(lambda a, b: f"if {a}; then {b}; fi", children, children),
            st.builds(lambda a, b: f"while {a}; do {b}; done", children, children),
            st.builds(
                lambda a, b: f"for f in {a}; do {b}; done",
                st.sampled_from(["*.log", "$(ls)", "a b"]),
                children,
            ),
            st.builds(lambda c: f"! {c}", children),
            st.builds(lambda c: f"eval {single(c)}", children),
            st.builds(lambda c: f"echo {single(c)} | bash", children),
        )

    leaf = simple(st.sampled_from(["id", "ls -la", "cat .env", "curl -s https://example.com"]))
    return st.recursive(leaf, compound, max_leaves=6)


@settings(max_examples=1_500, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(command_lines())
def test_generated_command_lines_are_decided_as_the_old_parser_decided(command: str) -> None:
    oracle, fresh, cached = decisions(command)
    assert cached == fresh, command
    # Where bashlex failed (``time`` inside a pipeline or loop, ``[[ ]]``, …) the oracle is its
    # shlex fallback, which is no oracle of Bash; the next test covers those constructs.
    assume(bashlex_read(command))
    assert fresh == oracle, command


@settings(max_examples=500, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])  # fmt: skip
@given(command_lines(), st.sampled_from(["time ", "time -p ", "! ", "! ! ", "time ! "]))
def test_time_and_negation_never_change_the_decision(command: str, prefix: str) -> None:
    """Neither runs anything nor changes what runs; bashlex could not parse most of these."""
    assume(bashlex_read(command))
    oracle, _, _ = decisions(command)
    assert decisions(prefix + command)[1:] == (oracle, oracle), prefix + command


@pytest.mark.parametrize(
    "command",
    [
        "{rm,-rf,/}",  # brace expansion where the grammar sees a group: an ERROR, read twice
        'echo "$(< .env)"',  # a substitution holding only a redirection
        "a | b > .env | c",  # the grammar hangs the redirection on the pipeline
        "x && rm -rf / > o",
        "curl -s x | sh > out",
        "! if a; then cat .env; fi",  # the grammar reads ``if`` after ``!`` as a program
        "! { rm -rf /; }",
        "! ! for f in a b; do zsh -c 'cat .env'; done",
        "bash 2>/dev/null <<< 'rm -rf /'",  # the grammar lexes <<< after a redirection as << <
    ],
)
def test_readings_the_grammar_needs_help_with_are_decided_as_before(command: str) -> None:
    oracle, fresh, cached = decisions(command)
    assert oracle[0] is not None
    assert fresh == oracle == cached


def test_the_line_after_a_here_document_delimiter_continues_its_pipeline() -> None:
    script = bash.parse("cat <<'EOF' | bash && rm x\n$(id)\nEOF")
    (cat, shell), (rm,) = script.pipelines
    assert (cat.program, cat.here, cat.nested) == ("cat", ("$(id)",), ())  # quoted: data
    assert (shell.program, rm.argv) == ("bash", ("rm", "x"))
    unquoted = bash.parse("cat <<EOF\n$(rm -rf /)\nEOF")
    assert [i.program for i in unquoted.invocations()] == ["cat", "rm"]


@pytest.mark.parametrize(
    "command",
    [
        "! " * 50 + "if a; then rm -rf /; fi",  # a chain of negations is blanked in one reading
        "; ".join(["! if a; then rm -rf /; fi"] * 20),  # many misreads, one more reading
        "time -p ! ! { rm -rf /; }",
        "(" * 3000 + "rm -rf /" + ")" * 3000,  # too deep to walk: the flat reading still sees it
        " && ".join(f"echo {i} > /tmp/f{i}" for i in range(2000)) + " && rm -rf /",
        "[[ -f x ]] && if a; then rm -rf /; fi && echo 'unbalanced",  # an ERROR at the end
    ],
    ids=["bangs", "many-misreads", "time-bang", "deep", "long", "unbalanced-quote"],
)
def test_odd_lines_still_show_every_command(command: str) -> None:
    assert "rm" in {i.program for i in bash.parse(command).invocations()}
    assert judged(ToolCall("Bash", {"command": command}, "odd")) == ("deny", "destructive_rm")
