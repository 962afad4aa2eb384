"""The built-in detectors behind the default policy (design §6), usable in any rule.

Each detector looks at a tool call and returns what it found (a short human description that
goes into the decision's reason) or None. Parameters have the defaults of the design card and
can be changed per rule, e.g. ``{"builtin": "git_force_push", "branches": ["main", "prod/*"]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from posixpath import basename
from typing import Any

from domain.guardrails.bash import Invocation, Script
from domain.guardrails.sql import DEFAULT_KINDS
from domain.guardrails.values import FILE_TOOLS, ToolCall

Detector = Callable[[ToolCall, Mapping[str, Any]], str | None]

RM_TARGETS = ("/", "/*", "~", "~/", "~/*", "$HOME", "${HOME}", "$HOME/", "$HOME/*", "${HOME}/*",
              "..", "../", "../*", "*", "/.", "//")  # fmt: skip
FETCHERS = ("curl", "wget")
INTERPRETERS = ("sh", "bash", "zsh", "dash", "ksh", "python", "python3", "perl", "ruby", "node")
SECRET_FILES = (".env", ".env.*", "*.pem", "id_rsa*", "id_ecdsa*", "id_ed25519*",
                "*/.aws/credentials", ".aws/credentials")  # fmt: skip
SECRET_EXCEPTIONS = (".env.example", ".env.sample", ".env.template", "*.pub")
PROTECTED_BRANCHES = ("main", "master", "release/*")


def _script(call: ToolCall) -> Script | None:
    return call.script


def _flags(args: Sequence[str]) -> tuple[set[str], set[str]]:
    """(short flag letters, long flags) of an argument list, stopping at ``--``."""
    short: set[str] = set()
    long: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            long.add(arg.split("=", 1)[0])
        elif arg.startswith("-") and len(arg) > 1:
            short.update(arg[1:])
    return short, long


def _operands(args: Sequence[str]) -> list[str]:
    operands: list[str] = []
    after_dashes = False
    for arg in args:
        if arg == "--" and not after_dashes:
            after_dashes = True
        elif after_dashes or not arg.startswith("-") or arg == "-":
            operands.append(arg)
    return operands


def destructive_rm(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    script = _script(call)
    if script is None:
        return None
    targets = set(params.get("targets", RM_TARGETS))
    for invocation in script.invocations():
        if invocation.program != "rm":
            continue
        short, long = _flags(invocation.args)
        recursive = bool(short & {"r", "R"}) or "--recursive" in long
        force = "f" in short or "--force" in long
        if not (recursive and force):
            continue
        for operand in _operands(invocation.args):
            if (
                operand in targets
                or operand.rstrip("/") in targets
                or operand == "/" * len(operand)
            ):
                return f"rm -rf {operand}"
    return None


def pipe_to_shell(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    script = _script(call)
    if script is None:
        return None
    fetchers = set(params.get("fetchers", FETCHERS))
    shells = set(params.get("shells", INTERPRETERS))
    for pipeline in script.all_pipelines():
        fetched = False
        for invocation in pipeline:
            if invocation.program in fetchers:
                fetched = True
            elif fetched and invocation.program in shells:
                return f"{_first_fetcher(pipeline, fetchers)} … | {invocation.program}"
    for invocation in script.invocations():
        if invocation.program in shells | {"eval", "source", "."}:
            for nested in invocation.nested:
                fetcher = next(
                    (i.program for i in nested.invocations() if i.program in fetchers), None
                )
                if fetcher:
                    return f"{invocation.program} runs the output of {fetcher}"
    return None


def _first_fetcher(pipeline: Iterable[Invocation], fetchers: set[str]) -> str:
    return next(i.program for i in pipeline if i.program in fetchers)


def secret_file_access(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    if call.tool_name not in FILE_TOOLS and call.tool_name != "Bash":
        return None
    patterns = tuple(params.get("files", SECRET_FILES))
    exceptions = tuple(params.get("except", SECRET_EXCEPTIONS))
    for path in call.paths:
        name = basename(path)
        if any(fnmatchcase(name, p) or fnmatchcase(path, p) for p in exceptions):
            continue
        if any(fnmatchcase(name, p) or fnmatchcase(path, p) for p in patterns):
            return path
    return None


def git_force_push(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    """``protected: true`` (default): a plain force push (--force/-f/+refspec) to a protected
    branch, every branch, or the current one. ``protected: false``: any other force push."""
    script = _script(call)
    if script is None:
        return None
    branches = tuple(params.get("branches", PROTECTED_BRANCHES))
    want_protected = bool(params.get("protected", True))
    for invocation in script.invocations():
        push = _git_push_args(invocation)
        if push is None:
            continue
        short, long = _flags(push)
        refspecs = _operands(push)[1:]  # the first operand is the remote
        plus = [r for r in refspecs if r.startswith("+")]
        hard = "f" in short or "--force" in long or bool(plus)
        lease = "--force-with-lease" in long
        if not (hard or lease):
            continue
        targets = [_destination(r) for r in refspecs] or ["(current branch)"]
        every = "--all" in long or "--mirror" in long
        protected = every or any(t == "(current branch)" or _matches(t, branches) for t in targets)
        if want_protected and hard and protected:
            return f"git push --force to {', '.join(targets) if not every else 'every branch'}"
        if not want_protected and not (hard and protected):
            how = "--force-with-lease" if lease and not hard else "--force"
            return f"git push {how} to {', '.join(targets)}"
    return None


def _git_push_args(invocation: Invocation) -> list[str] | None:
    if invocation.program != "git":
        return None
    args = list(invocation.args)
    index = 0
    while index < len(args) and args[index].startswith("-"):  # git's own options
        index += 2 if args[index] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace") else 1
    if index < len(args) and args[index] == "push":
        return args[index + 1 :]
    return None


def _destination(refspec: str) -> str:
    destination = refspec.lstrip("+").rsplit(":", 1)[-1]
    return destination.removeprefix("refs/heads/") or "(current branch)"


def _matches(branch: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(branch, p) for p in patterns)


def destructive_sql(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    kinds = call.sql_kinds & frozenset(params.get("kinds", DEFAULT_KINDS))
    if not kinds:
        return None
    return ", ".join(sorted(k.replace("_", " ").upper() for k in kinds))


def cloud_destructive(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    script = _script(call)
    if script is None:
        return None
    for invocation in script.invocations():
        found = _cloud(invocation)
        if found:
            return found
    return None


def _after(words: list[str], *sequence: str) -> list[str] | None:
    """The words after the first occurrence of ``sequence`` (global options may precede it,
    and may take values, so the sequence is searched for rather than expected first)."""
    for start in range(len(words) - len(sequence) + 1):
        if words[start : start + len(sequence)] == list(sequence):
            return words[start + len(sequence) :]
    return None


def _cloud(invocation: Invocation) -> str | None:
    words = [w for w in invocation.args if not w.startswith("-")]
    short, long = _flags(invocation.args)
    program = invocation.program
    recursive = bool(short & {"r", "R"}) or "--recursive" in long
    if program == "aws" and _after(words, "s3", "rm") is not None and "--recursive" in long:
        return "aws s3 rm --recursive"
    if program == "aws" and _after(words, "s3", "rb") is not None and "--force" in long:
        return "aws s3 rb --force"
    if program == "gsutil" and "rm" in words and recursive:
        return "gsutil rm -r"
    if program == "gcloud" and _after(words, "storage", "rm") is not None and recursive:
        return "gcloud storage rm -r"
    if program == "terraform" and "destroy" in words:
        return "terraform destroy"
    if program == "terraform" and "apply" in words and "-destroy" in invocation.args:
        return "terraform apply -destroy"
    deleted = _after(words, "delete") if program == "kubectl" else None
    if deleted and deleted[0] in ("ns", "namespace", "namespaces"):
        return "kubectl delete namespace"
    return None


DETECTORS: dict[str, Detector] = {
    "destructive_rm": destructive_rm,
    "pipe_to_shell": pipe_to_shell,
    "secret_file_access": secret_file_access,
    "git_force_push": git_force_push,
    "destructive_sql": destructive_sql,
    "cloud_destructive": cloud_destructive,
}

PARAMETERS: dict[str, dict[str, type]] = {
    "destructive_rm": {"targets": list},
    "pipe_to_shell": {"fetchers": list, "shells": list},
    "secret_file_access": {"files": list, "except": list},
    "git_force_push": {"branches": list, "protected": bool},
    "destructive_sql": {"kinds": list},
    "cloud_destructive": {},
}
"""Each detector's parameters and their types (anything else in a rule is refused)."""
