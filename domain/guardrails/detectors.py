"""The built-in detectors behind the default policy (design §6), usable in any rule.

Each detector looks at a tool call and returns what it found (a short human description that
goes into the decision's reason) or None. Parameters have the defaults of the design card and
can be changed per rule, e.g. ``{"builtin": "git_force_push", "branches": ["main", "prod/*"]}``.
Long options are read as GNU tools read them: any unambiguous prefix (``--recur``) counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from posixpath import normpath
from typing import Any

from domain.guardrails.bash import Invocation, Script
from domain.guardrails.cloud import cloud_deletion
from domain.guardrails.files import names_protected
from domain.guardrails.interpreters import code_source
from domain.guardrails.sql import DEFAULT_KINDS
from domain.guardrails.values import FILE_TOOLS, ToolCall
from domain.guardrails.wrappers import meanings

Detector = Callable[[ToolCall, Mapping[str, Any]], str | None]

RM_TARGETS = ("/", "/*", "~", "~/*", "$HOME", "${HOME}", "$HOME/*", "${HOME}/*", "..", "../*",
              "*", ".", "./*", ".*", "/home", "/home/*", "/Users", "/Users/*", "/root",
              "/root/*")  # fmt: skip
"""What ``rm -rf`` may not delete (compared after normalising: ``~/`` is ``~``, ``//`` is ``/``,
``../..`` is a parent too). Home directories by absolute path are refused as well."""
_HOME = re.compile(r"^(?:/home|/Users|/var/home)/[^/*]+(?:/\*)?$|^~[A-Za-z0-9._-]*(?:/\*)?$")
_PARENTS = re.compile(r"^\.\.(?:/\.\.)*(?:/\*)?$")
RM_LONGS = frozenset({"--force", "--interactive", "--one-file-system", "--no-preserve-root",
                      "--preserve-root", "--recursive", "--dir", "--verbose", "--help",
                      "--version"})  # fmt: skip
FETCHERS = ("curl", "wget", "http", "https", "xh", "fetch", "aria2c")
INTERPRETERS = ("sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "python", "python2",
                "python3", "perl", "ruby", "node", "nodejs", "php", "lua")  # fmt: skip
SECRET_FILES = (".env", ".env.*", "*.pem", "id_rsa*", "id_ecdsa*", "id_ed25519*", "id_dsa*",
                "*/.aws/credentials", ".aws/credentials")  # fmt: skip
SECRET_EXCEPTIONS = (".env.example", ".env.sample", ".env.template", "*.pub")
SECRET_SAMPLES = (".env", ".env.local", ".env.production", "id_rsa", "id_ed25519", "id_ecdsa",
                  "server.pem", "key.pem", "credentials")  # fmt: skip
PROTECTED_BRANCHES = ("main", "master", "release/*")
GIT_PUSH_LONGS = frozenset({"--all", "--branches", "--mirror", "--tags", "--follow-tags",
                            "--atomic", "--dry-run", "--porcelain", "--delete", "--force",
                            "--force-with-lease", "--force-if-includes", "--prune", "--verbose",
                            "--quiet", "--progress", "--no-verify", "--verify",
                            "--set-upstream", "--thin", "--no-thin", "--repo", "--receive-pack",
                            "--exec", "--push-option", "--signed", "--no-signed",
                            "--recurse-submodules", "--ipv4", "--ipv6"})  # fmt: skip
_GIT_VALUE_OPTIONS = ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path",
                      "--config-env", "--super-prefix")  # fmt: skip


def _script(call: ToolCall) -> Script | None:
    return call.script


def _flags(args: Sequence[str], longs: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """(short flag letters, long flags) of an argument list, stopping at ``--``; long flags
    are expanded from unambiguous prefixes of ``longs``."""
    short: set[str] = set()
    long: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            long.update(meanings(arg, longs))
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


def _rm_target(operand: str, targets: set[str], defaults: bool) -> bool:
    if operand in targets:
        return True
    if operand and operand == "/" * len(operand):
        return True
    trimmed = operand.rstrip("/") or "/"
    normal = normpath(trimmed) if trimmed not in ("~", "") else trimmed
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if trimmed in targets or normal in targets:
        return True
    return defaults and (_HOME.match(normal) is not None or _PARENTS.match(normal) is not None)


def destructive_rm(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    script = _script(call)
    if script is None:
        return None
    targets = set(params.get("targets", RM_TARGETS))
    defaults = "targets" not in params
    for invocation in script.invocations():
        if invocation.program != "rm":
            continue
        short, long = _flags(invocation.args, RM_LONGS)
        recursive = bool(short & {"r", "R"}) or "--recursive" in long
        force = "f" in short or "--force" in long
        if not (recursive and force):
            continue
        for operand in _operands(invocation.args):
            if _rm_target(operand, targets, defaults):
                return f"rm -rf {operand}"
    return None


def _stage_programs(stage: Invocation) -> Iterable[Invocation]:
    """A pipeline stage and everything it runs inside (a compound's body, substitutions)."""
    yield stage
    for script in stage.nested:
        yield from script.invocations()


def _reads_code_from_stdin(invocation: Invocation) -> bool:
    """``bash``, ``sh -s``, ``python3 -`` run what arrives on standard input; ``bash x.sh``,
    ``sh -c CODE`` and ``python3 -m json.tool`` do not."""
    source = code_source(invocation.program, invocation.args)
    return source is None or source.stdin  # a program named in a rule's own shells list


def pipe_to_shell(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    script = _script(call)
    if script is None:
        return None
    fetchers = set(params.get("fetchers", FETCHERS))
    shells = set(params.get("shells", INTERPRETERS))
    for pipeline in script.all_pipelines():
        fetched: str | None = None
        for stage in pipeline:
            inside = list(_stage_programs(stage))
            if fetched is not None:
                consumer = next(
                    (i for i in inside if i.program in shells and _reads_code_from_stdin(i)), None
                )
                if consumer is not None:
                    return f"{fetched} … | {consumer.program}"
            fetched = fetched or next((i.program for i in inside if i.program in fetchers), None)
    for invocation in script.invocations():
        if invocation.program in shells | {"eval", "source", "."}:
            for nested in invocation.nested:
                fetcher = next(
                    (i.program for i in nested.invocations() if i.program in fetchers), None
                )
                if fetcher:
                    return f"{invocation.program} runs the output of {fetcher}"
    return None


def secret_file_access(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    if call.tool_name not in FILE_TOOLS and call.tool_name != "Bash":
        return None
    patterns = tuple(params.get("files", SECRET_FILES))
    exceptions = tuple(params.get("except", SECRET_EXCEPTIONS))
    for path in call.paths:
        if names_protected(path, patterns, exceptions, SECRET_SAMPLES):
            return path
    return None


def git_force_push(call: ToolCall, params: Mapping[str, Any]) -> str | None:
    """``protected: true`` (default): a plain force push (--force/-f/+refspec), a deletion
    (``--delete``, ``:branch``) or ``--mirror`` touching a protected branch, every branch, or
    the current one. ``protected: false``: any other force push or branch deletion."""
    script = _script(call)
    if script is None:
        return None
    branches = tuple(params.get("branches", PROTECTED_BRANCHES))
    want_protected = bool(params.get("protected", True))
    for invocation in script.invocations():
        push = _git_push_args(invocation)
        if push is None:
            continue
        found = _judge_push(push, branches)
        if found is None:
            continue
        hard_protected, text = found
        if want_protected == hard_protected:
            return text
    return None


def _judge_push(push: list[str], branches: tuple[str, ...]) -> tuple[bool, str] | None:
    """(touches a protected branch with a hard rewrite, description), or None if harmless."""
    short, long = _flags(push, GIT_PUSH_LONGS)
    refspecs = _operands(push)[1:]  # the first operand is the remote
    plus = [r for r in refspecs if r.startswith("+")]
    deleted = [r[1:] for r in refspecs if r.startswith(":") and len(r) > 1]
    delete_flag = "d" in short or "--delete" in long
    if delete_flag:
        deleted += [r.removeprefix("refs/heads/") for r in refspecs]
    mirror = "--mirror" in long
    hard = "f" in short or "--force" in long or bool(plus) or mirror
    lease = "--force-with-lease" in long or "--force-if-includes" in long
    if not (hard or lease or deleted):
        return None
    if deleted:
        names = [d.removeprefix("refs/heads/") for d in deleted]
        protected = any(_matches(n, branches) for n in names)
        return protected, f"git push --delete {', '.join(names)}"
    targets = [_destination(r) for r in refspecs] or ["(current branch)"]
    every = "--all" in long or "--branches" in long or mirror
    protected = every or any(t == "(current branch)" or _matches(t, branches) for t in targets)
    if hard and protected:
        where = "every branch" if every else ", ".join(targets)
        return True, f"git push {'--mirror' if mirror else '--force'} to {where}"
    how = "--force-with-lease" if lease and not hard else "--force"
    return False, f"git push {how} to {', '.join(targets)}"


def _git_push_args(invocation: Invocation) -> list[str] | None:
    if invocation.program != "git":
        return None
    args = list(invocation.args)
    index = 0
    while index < len(args) and args[index].startswith("-"):  # git's own options
        index += 2 if args[index] in _GIT_VALUE_OPTIONS else 1
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
        found = cloud_deletion(invocation)
        if found:
            return found
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
