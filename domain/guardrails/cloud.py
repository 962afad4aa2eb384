"""Bulk deletion through cloud and infrastructure CLIs (the ``cloud_destructive`` detector).

Matched on the parsed command with each CLI's own spelling rules: kubectl resource types in
any case, singular, plural or short (``ns``, ``namespace``, ``Namespaces``), alone, in lists
(``pods,ns``) or as ``TYPE/NAME``; terraform and OpenTofu (and terragrunt) ``destroy`` in every
flag spelling (``-destroy``, ``--destroy``, ``-destroy=true``); and the bulk deletions the AWS
and Google Cloud CLIs offer.
"""

from __future__ import annotations

from domain.guardrails.bash import Invocation
from domain.guardrails.wrappers import expand_long

NAMESPACE_TYPES = frozenset({"ns", "namespace", "namespaces"})
KUBECTL_VALUE_OPTIONS = frozenset({
    "-n", "--namespace", "--context", "--cluster", "--user", "-s", "--server", "--kubeconfig",
    "-l", "--selector", "-f", "--filename", "-o", "--output", "--grace-period", "--timeout",
    "--field-selector", "--token", "--as", "--as-group", "--request-timeout", "-k", "--kustomize",
    "--cascade",
})  # fmt: skip
TERRAFORMS = frozenset({"terraform", "tofu", "terragrunt"})
AWS_LONGS = frozenset({"--recursive", "--force", "--delete", "--dryrun", "--quiet", "--include",
                       "--exclude", "--profile", "--region"})  # fmt: skip
AWS_DELETES = (
    ("s3api", "delete-bucket"), ("cloudformation", "delete-stack"),
    ("rds", "delete-db-instance"), ("rds", "delete-db-cluster"), ("dynamodb", "delete-table"),
    ("eks", "delete-cluster"), ("ecr", "delete-repository"),
)  # fmt: skip
GCLOUD_DELETES = (
    ("projects", "delete"), ("container", "clusters", "delete"), ("storage", "buckets", "delete"),
    ("sql", "instances", "delete"), ("container", "node-pools", "delete"),
)  # fmt: skip


def cloud_deletion(invocation: Invocation) -> str | None:
    program = invocation.program.lower()
    args = list(invocation.args)
    if program == "kubectl":
        return _kubectl(args)
    if program in TERRAFORMS:
        return _terraform(program, args)
    if program == "aws":
        return _aws(args)
    if program == "gsutil":
        return _gsutil(args)
    if program == "gcloud":
        return _gcloud(args)
    return None


def _positional(args: list[str], with_value: frozenset[str]) -> list[str]:
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg in with_value
        else:
            words.append(arg)
    return words


def _after(words: list[str], *sequence: str) -> list[str] | None:
    for start in range(len(words) - len(sequence) + 1):
        if [w.lower() for w in words[start : start + len(sequence)]] == list(sequence):
            return words[start + len(sequence) :]
    return None


def _kubectl(args: list[str]) -> str | None:
    words = _positional(args, KUBECTL_VALUE_OPTIONS)
    deleted = _after(words, "delete")
    if deleted is None:
        return None
    # TYPE[,TYPE…] NAME…, or TYPE/NAME…: a resource *named* ns is not the namespace type.
    kinds = deleted[0].split(",") if deleted and "/" not in deleted[0] else []
    kinds += [w.split("/", 1)[0] for w in deleted if "/" in w]
    if any(kind.lower() in NAMESPACE_TYPES for kind in kinds):
        return "kubectl delete namespace"
    flags = {a.split("=", 1)[0] for a in args}
    every_namespace = bool({"-A", "--all-namespaces"} & flags)
    if "--all" in flags and (every_namespace or any(w.lower() == "all" for w in deleted)):
        return "kubectl delete --all" + (" --all-namespaces" if every_namespace else " of all")
    return None


def _terraform(program: str, args: list[str]) -> str | None:
    words = [a.lower() for a in args if not a.startswith("-")]
    if "destroy" in words:
        return f"{program} destroy"
    if "apply" in words:
        for arg in args:
            name, _, value = arg.lstrip("-").partition("=")
            if arg.startswith("-") and name.lower() == "destroy" and value.lower() != "false":
                return f"{program} apply -destroy"
    return None


def _aws(args: list[str]) -> str | None:
    longs = {expand_long(a, AWS_LONGS) for a in args if a.startswith("--")}
    words = [a.lower() for a in args if not a.startswith("-")]
    if _after(words, "s3", "rm") is not None and "--recursive" in longs:
        return "aws s3 rm --recursive"
    if _after(words, "s3", "rb") is not None and "--force" in longs:
        return "aws s3 rb --force"
    if _after(words, "s3", "sync") is not None and "--delete" in longs:
        return "aws s3 sync --delete"
    for service, operation in AWS_DELETES:
        if _after(words, service, operation) is not None:
            return f"aws {service} {operation}"
    return None


def _whole_bucket(url: str) -> bool:
    path = url.split("://", 1)[1] if "://" in url else ""
    bucket, _, rest = path.partition("/")
    return bool(bucket) and rest.strip("*/") == ""


def _gsutil(args: list[str]) -> str | None:
    words = [a for a in args if not a.startswith("-")]
    short = {c for a in args if a.startswith("-") and not a.startswith("--") for c in a[1:]}
    if "rb" in words:
        return "gsutil rb"
    removed = _after(words, "rm")
    if removed is None:
        return None
    if short & {"r", "R"} or "--recursive" in args:
        return "gsutil rm -r"
    if any(u.startswith("gs://") and _whole_bucket(u) for u in removed):
        return "gsutil rm of a whole bucket"
    return None


def _gcloud(args: list[str]) -> str | None:
    words = [a for a in args if not a.startswith("-")]
    short = {c for a in args if a.startswith("-") and not a.startswith("--") for c in a[1:]}
    removed = _after(words, "storage", "rm")
    if removed is not None:
        if short & {"r", "R"} or "--recursive" in args:
            return "gcloud storage rm -r"
        if any(u.startswith("gs://") and _whole_bucket(u) for u in removed):
            return "gcloud storage rm of a whole bucket"
    for sequence in GCLOUD_DELETES:
        if _after(words, *sequence) is not None:
            return "gcloud " + " ".join(sequence)
    return None
