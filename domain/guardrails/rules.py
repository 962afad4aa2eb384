"""Rules as data, and the pure evaluation of a tool call against a policy.

A rule, as a team writes it (JSON or YAML)::

    id: no-prod-kubectl               # letters, digits, . _ -
    tools: [Bash]                     # tool-name patterns (fnmatch); default: every tool
    when:                             # the condition, see below
      command: {program: kubectl, args_any: ["--context=prod", "prod"]}
    decision: deny                    # deny | approve | ask | allow
    approve:                          # only with decision: approve (see ``_approval``)
      roles: [operator]               # who may answer (default: operator, admin)
      teams: [platform]               # and of which team (default: any)
      wait_seconds: 45                # how long the hook is held (< hook timeout - 5 s)
      hook_timeout_seconds: 60        # the hook's ``timeout`` in Claude Code's settings
      on_timeout: deny                # the answer when nobody does: deny | ask | allow
      self_approval: false            # may the agent's own user answer?
    message: Use the staging context. # shown to Claude (deny) or the user (ask)
    priority: 500                     # higher runs first; the defaults sit at 900-1000
    mode: enforce                     # enforce | shadow (record only)

A budget rule has a ``budget`` instead of a ``when`` (see ``domain.guardrails.budgets``).

Conditions: ``builtin`` (a detector of ``domain.guardrails.detectors`` plus its
parameters), ``command`` (a program in the Bash line, optionally with ``args_any`` /
``args_all`` / ``flags_any``), ``path`` (file paths by ``glob``, minus ``except``), ``sql``
(destructive statement ``kinds``), ``input`` (a ``pattern`` regex on an input ``field``, or on
every string with ``field: "*"``), and ``any`` / ``all`` / ``not`` to combine them.

The first matching ``enforce`` rule decides; every matching ``shadow`` rule is recorded with
what it would have decided. A quarantine of the session or agent answers too; the strictest
answer wins (deny > approve > ask > allow).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from posixpath import basename
from typing import Any

from domain.guardrails.budgets import Budget, parse_budget
from domain.guardrails.detectors import DETECTORS, PARAMETERS
from domain.guardrails.errors import RuleDefinitionError
from domain.guardrails.sql import KINDS
from domain.guardrails.values import (
    HOOK_TIMEOUT_MARGIN_SECONDS,
    Approval,
    Decision,
    Mode,
    ShadowHit,
    ToolCall,
    Verdict,
)

Condition = Callable[[ToolCall], str | None]
"""Returns what matched (for the reason), or None."""

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_RULE_KEYS = {
    "id", "tools", "when", "budget", "decision", "message", "priority", "mode", "description",
    "approve",
}  # fmt: skip
_APPROVAL_KEYS = {
    "roles", "teams", "wait_seconds", "hook_timeout_seconds", "on_timeout", "self_approval",
}  # fmt: skip
_ROLES = ("viewer", "operator", "auditor", "admin")


@dataclass(frozen=True)
class Rule:
    id: str
    tools: tuple[str, ...]
    when: Mapping[str, Any]
    condition: Condition
    decision: Decision
    message: str
    priority: int = 100
    mode: Mode = Mode.ENFORCE
    description: str = ""
    budget: Budget | None = None
    """Set on a budget rule (its ``condition`` is then never used)."""
    approval: Approval | None = None
    """Who may answer and how long the hook waits (``decision: approve`` only)."""

    def applies_to(self, tool_name: str) -> bool:
        if self.tools == ("*",):  # every budget rule, and most written ones: skip fnmatch
            return True
        return any(fnmatchcase(tool_name, pattern) for pattern in self.tools)

    def as_data(self) -> dict[str, Any]:
        """The definition as stored in events (and as a team would write it)."""
        data: dict[str, Any] = {
            "id": self.id, "tools": list(self.tools), "when": dict(self.when),
            "decision": self.decision.value, "message": self.message,
            "priority": self.priority, "mode": self.mode.value,
        }  # fmt: skip
        if self.budget is not None:
            del data["when"]
            data["budget"] = self.budget.as_data()
        if self.description:
            data["description"] = self.description
        if self.approval is not None:
            data["approve"] = self.approval.as_data()
        return data

    def with_mode(self, mode: Mode) -> Rule:
        return parse_rule({**self.as_data(), "mode": mode.value})


@dataclass(frozen=True)
class Quarantine:
    """An active intervention: every tool call of the target gets ``decision``."""

    target: str
    """``session:<id>`` or ``agent:<id>``."""
    decision: Decision
    reason: str


def parse_rule(data: Any, where: str = "rule") -> Rule:
    """Checks and builds a rule; ``RuleDefinitionError`` lists every problem with its path."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise RuleDefinitionError([f"{where}: expected an object with id, when and decision"])
    for key in sorted(set(data) - _RULE_KEYS):
        problems.append(f"{where}.{key}: unknown field (known: {', '.join(sorted(_RULE_KEYS))})")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        problems.append(f"{where}.id: required, 1-64 letters, digits, '.', '_' or '-'")
    tools = data.get("tools", ["*"])
    if isinstance(tools, str):
        tools = [tools]
    if not isinstance(tools, list) or not tools or not all(isinstance(t, str) and t for t in tools):
        problems.append(f"{where}.tools: expected a list of tool-name patterns, e.g. [Bash]")
        tools = ["*"]
    decision = _enum(Decision, data.get("decision"), f"{where}.decision", problems, required=True)
    mode = _enum(Mode, data.get("mode", "enforce"), f"{where}.mode", problems, required=False)
    message = data.get("message", "")
    if not isinstance(message, str) or len(message) > 1000:
        problems.append(f"{where}.message: expected text of at most 1000 characters")
        message = ""
    priority = data.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int):
        problems.append(f"{where}.priority: expected a whole number (higher runs first)")
        priority = 100
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}.description: expected text")
        description = ""
    approval = _approval(data.get("approve"), decision, f"{where}.approve", problems)
    when = data.get("when")
    condition: Condition = _never
    budget: Budget | None = None
    if "budget" in data:
        if when is not None:
            problems.append(f"{where}.when: a budget rule has no condition (only its budget)")
        budget = parse_budget(data["budget"], decision, f"{where}.budget", problems)
        when = {}
    elif when is None:
        problems.append(f"{where}.when: required (a condition such as {{builtin: destructive_rm}})")
    else:
        condition = _condition(when, f"{where}.when", problems)
    # Every check above that fails adds a problem; the type checks only narrow what passed.
    if (problems or not isinstance(rule_id, str) or not isinstance(when, Mapping)
            or decision is None or mode is None):  # fmt: skip
        raise RuleDefinitionError(problems or [f"{where}: incomplete rule"])
    return Rule(
        id=rule_id, tools=tuple(tools), when=dict(when), condition=condition,
        decision=decision,
        message=message or (f"The spend budget of rule {rule_id} is used up." if budget
                            else f"Blocked by guardrail rule {rule_id}."),
        priority=priority, mode=mode, description=description, budget=budget,
        approval=approval,
    )  # fmt: skip


def _approval(
    spec: Any, decision: Decision | None, where: str, problems: list[str]
) -> Approval | None:
    """The ``approve`` block: required shape checked, and a wait the hook can survive."""
    if decision is not Decision.APPROVE:
        if spec is not None:
            problems.append(f"{where}: only a rule with decision: approve takes an approve block")
        return None
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: expected an object (roles, teams, wait_seconds, on_timeout…)")
        return None
    for key in sorted(set(spec) - _APPROVAL_KEYS):
        problems.append(
            f"{where}.{key}: unknown field (known: {', '.join(sorted(_APPROVAL_KEYS))})"
        )
    default = Approval()
    roles = _strings(spec.get("roles", list(default.roles)), f"{where}.roles", problems)
    if not roles or any(role not in _ROLES for role in roles):
        problems.append(f"{where}.roles: expected some of {', '.join(_ROLES)}")
    teams = _strings(spec.get("teams", []), f"{where}.teams", problems)
    numbers: dict[str, int] = {}
    for key, fallback in (("wait_seconds", default.wait_seconds),
                          ("hook_timeout_seconds", default.hook_timeout_seconds)):  # fmt: skip
        value = spec.get(key, fallback)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"{where}.{key}: expected a whole number of seconds, at least 1")
            value = fallback
        numbers[key] = value
    wait, timeout = numbers["wait_seconds"], numbers["hook_timeout_seconds"]
    if wait > timeout - HOOK_TIMEOUT_MARGIN_SECONDS:
        problems.append(
            f"{where}.wait_seconds: {wait} s does not fit the hook's timeout of {timeout} s: "
            f"wait at most {timeout - HOOK_TIMEOUT_MARGIN_SECONDS} s (the timeout minus a "
            f"{HOOK_TIMEOUT_MARGIN_SECONDS} s margin for the answer to reach the agent), or "
            "raise the hook's timeout in Claude Code's settings and hook_timeout_seconds here"
        )
    on_timeout = _enum(Decision, spec.get("on_timeout", "deny"), f"{where}.on_timeout", problems,
                       required=True)  # fmt: skip
    if on_timeout is Decision.APPROVE:
        problems.append(f"{where}.on_timeout: expected deny, ask or allow")
    self_approval = spec.get("self_approval", False)
    if not isinstance(self_approval, bool):
        problems.append(f"{where}.self_approval: expected true or false")
        self_approval = False
    return Approval(
        roles=roles, teams=teams, wait_seconds=wait, hook_timeout_seconds=timeout,
        on_timeout=on_timeout or Decision.DENY, self_approval=self_approval,
    )  # fmt: skip


def parse_rules(data: Any) -> list[Rule]:
    """A list of rules (a file's content); ids must be unique."""
    items = data.get("rules") if isinstance(data, Mapping) and "rules" in data else data
    if not isinstance(items, list):
        raise RuleDefinitionError(["expected a list of rules (or an object with a 'rules' list)"])
    problems: list[str] = []
    rules: list[Rule] = []
    for index, item in enumerate(items):
        try:
            rules.append(parse_rule(item, f"rules[{index}]"))
        except RuleDefinitionError as error:
            problems.extend(error.problems)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    if problems:
        raise RuleDefinitionError(problems)
    return rules


def _enum(kind: Any, value: Any, where: str, problems: list[str], *, required: bool) -> Any:
    try:
        return kind(value)
    except ValueError:
        if value is not None or required:
            problems.append(f"{where}: expected one of {', '.join(m.value for m in kind)}")
        return None


def _never(call: ToolCall) -> str | None:
    return None


def _condition(data: Any, where: str, problems: list[str]) -> Condition:
    if not isinstance(data, Mapping) or len(data) != 1:
        problems.append(f"{where}: expected exactly one of builtin, command, path, sql, input, "
                        "any, all, not")  # fmt: skip
        return _never
    ((kind, spec),) = data.items()
    builders = {"builtin": _builtin, "command": _command, "path": _path, "sql": _sql,
                "input": _input, "any": _any, "all": _all, "not": _not}  # fmt: skip
    if kind not in builders:
        problems.append(f"{where}.{kind}: unknown condition (use one of {', '.join(builders)})")
        return _never
    return builders[kind](spec, f"{where}.{kind}", problems)


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(f"{where}: expected a string or a list of strings")
    return ()


def _builtin(spec: Any, where: str, problems: list[str]) -> Condition:
    name, params = (spec, {}) if isinstance(spec, str) else (None, spec)
    if isinstance(params, Mapping) and name is None:
        name = params.get("name")
        params = {k: v for k, v in params.items() if k != "name"}
    if name not in DETECTORS or not isinstance(params, Mapping):
        problems.append(f"{where}: expected a detector name ({', '.join(DETECTORS)}) or "
                        "{name: …, <parameters>}")  # fmt: skip
        return _never
    allowed = PARAMETERS[name]
    for key, value in params.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            problems.append(f"{where}.{key}: {name} takes no such parameter (known: {known})")
        elif allowed[key] is bool and not isinstance(value, bool):
            problems.append(f"{where}.{key}: expected true or false")
        elif allowed[key] is list:
            _strings(value, f"{where}.{key}", problems)
    detector = DETECTORS[name]
    frozen = dict(params)
    return lambda call: detector(call, frozen)


def _command(spec: Any, where: str, problems: list[str]) -> Condition:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("program"), str):
        problems.append(f"{where}.program: required (the program name, e.g. kubectl)")
        return _never
    unknown = set(spec) - {"program", "args_any", "args_all", "flags_any"}
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    program = spec["program"]
    args_any = _strings(spec.get("args_any"), f"{where}.args_any", problems)
    args_all = _strings(spec.get("args_all"), f"{where}.args_all", problems)
    flags_any = _strings(spec.get("flags_any"), f"{where}.flags_any", problems)

    def matches(call: ToolCall) -> str | None:
        if call.script is None:
            return None
        for invocation in call.script.invocations():
            if not fnmatchcase(invocation.program, program):
                continue
            args = set(invocation.args)
            if args_any and not args & set(args_any):
                continue
            if args_all and not set(args_all) <= args:
                continue
            if flags_any and not any(a.split("=", 1)[0] in flags_any for a in args):
                continue
            return " ".join(invocation.argv)[:200]
        return None

    return matches


def _path(spec: Any, where: str, problems: list[str]) -> Condition:
    if not isinstance(spec, Mapping) or "glob" not in spec:
        problems.append(f"{where}.glob: required (file patterns, e.g. ['*.pem', 'secrets/*'])")
        return _never
    if set(spec) - {"glob", "except"}:
        problems.append(
            f"{where}: unknown field(s) {', '.join(sorted(set(spec) - {'glob', 'except'}))}"
        )
    globs = _strings(spec.get("glob"), f"{where}.glob", problems)
    exceptions = _strings(spec.get("except"), f"{where}.except", problems)

    def hit(path: str, patterns: Sequence[str]) -> bool:
        return any(fnmatchcase(path, p) or fnmatchcase(basename(path), p) for p in patterns)

    return lambda call: next(
        (p for p in call.paths if hit(p, globs) and not hit(p, exceptions)), None
    )


def _sql(spec: Any, where: str, problems: list[str]) -> Condition:
    if isinstance(spec, Mapping) and set(spec) - {"kinds"}:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(set(spec) - {'kinds'}))}")
    kinds = _strings(spec.get("kinds") if isinstance(spec, Mapping) else None, f"{where}.kinds",
                     problems)  # fmt: skip
    bad = [k for k in kinds if k not in KINDS]
    if not kinds or bad:
        problems.append(f"{where}.kinds: expected some of {', '.join(KINDS)}")
        return _never
    wanted = frozenset(kinds)
    return lambda call: ", ".join(sorted(call.sql_kinds & wanted)) or None


def _input(spec: Any, where: str, problems: list[str]) -> Condition:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("pattern"), str):
        problems.append(f"{where}.pattern: required (a regular expression)")
        return _never
    if set(spec) - {"field", "pattern"}:
        problems.append(
            f"{where}: unknown field(s) {', '.join(sorted(set(spec) - {'field', 'pattern'}))}"
        )
    field = spec.get("field", "*")
    if not isinstance(field, str):
        problems.append(f"{where}.field: expected an input field name, or '*' for every field")
        return _never
    try:
        pattern = re.compile(spec["pattern"])
    except re.error as error:
        problems.append(f"{where}.pattern: not a valid regular expression ({error})")
        return _never

    def matches(call: ToolCall) -> str | None:
        values: Iterable[Any] = (
            call.tool_input.values() if field == "*" else [call.tool_input.get(field)]
        )
        for value in values:
            if isinstance(value, str) and (found := pattern.search(value)):
                return found.group(0)[:200]
        return None

    return matches


def _combined(spec: Any, where: str, problems: list[str]) -> list[Condition]:
    if not isinstance(spec, list) or not spec:
        problems.append(f"{where}: expected a non-empty list of conditions")
        return []
    return [_condition(item, f"{where}[{i}]", problems) for i, item in enumerate(spec)]


def _any(spec: Any, where: str, problems: list[str]) -> Condition:
    parts = _combined(spec, where, problems)
    return lambda call: next((found for part in parts if (found := part(call))), None)


def _all(spec: Any, where: str, problems: list[str]) -> Condition:
    parts = _combined(spec, where, problems)

    def matches(call: ToolCall) -> str | None:
        found = [part(call) for part in parts]
        return "; ".join(f for f in found if f) if all(found) else None

    return matches


def _not(spec: Any, where: str, problems: list[str]) -> Condition:
    inner = _condition(spec, where, problems)
    return lambda call: None if inner(call) else "not matched"


def ordered(rules: Iterable[Rule]) -> list[Rule]:
    """Evaluation order: higher priority first, then the order they were added."""
    indexed = list(enumerate(rules))
    return [rule for _, rule in sorted(indexed, key=lambda pair: (-pair[1].priority, pair[0]))]


def evaluate(
    rules: Sequence[Rule], call: ToolCall, quarantines: Iterable[Quarantine] = ()
) -> Verdict:
    """Judges one tool call. ``rules`` must already be in evaluation order.

    An enforced budget rule past its ``warn_at`` (and below its limit) notes a warning: when
    nothing decides, the verdict names that rule with no decision and the warning as message.
    """
    decided: tuple[Rule, str] | None = None
    warned: tuple[Rule, str] | None = None
    shadow: list[ShadowHit] = []
    for rule in rules:
        if not rule.applies_to(call.tool_name):
            continue
        if rule.budget is not None:
            found, warning = rule.budget.judge(call.spend, call.session_id)
            if warning and warned is None and rule.mode is Mode.ENFORCE:
                warned = (rule, warning)
        elif rule.mode is Mode.ENFORCE and decided is not None:
            continue
        else:
            found = rule.condition(call)
        if not found:
            continue
        if rule.mode is Mode.SHADOW:
            shadow.append(ShadowHit(rule.id, rule.decision, _reason(rule, found)))
        elif decided is None:
            decided = (rule, found)
    if decided:
        verdict = Verdict(
            decided[0].decision,
            decided[0].id,
            _reason(*decided),
            tuple(shadow),
            approval=decided[0].approval,
        )
    elif warned:
        verdict = Verdict(None, warned[0].id, f"Budget warning (rule {warned[0].id}): "
                          f"{warned[1]}", tuple(shadow))  # fmt: skip
    else:
        verdict = Verdict.nothing(tuple(shadow))
    for quarantine in quarantines:
        if verdict.decision is None or quarantine.decision.strictness > verdict.decision.strictness:
            verdict = Verdict(
                quarantine.decision, "quarantine",
                f"This {quarantine.target.split(':')[0]} is quarantined: {quarantine.reason}",
                tuple(shadow), quarantine.target,
                Approval() if quarantine.decision is Decision.APPROVE else None,
            )  # fmt: skip
    return verdict


def _reason(rule: Rule, found: str) -> str:
    return f"{rule.message} (rule {rule.id}: {found})"
