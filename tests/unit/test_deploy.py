"""infra/deploy/k8s runs the same roles as compose.yaml: each a workload with a readiness
probe, the real command, settings that exist, and Services for the APIs (OTLP's 4317 too)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import yaml

from infra.settings import PREFIX, Settings
from tests.conftest import ROOT
from tests.unit.test_compose import APIS, ROLES, STORES
from workers.cli import main

K8S = ROOT / "infra" / "deploy" / "k8s"
KUSTOMIZATION: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
DOCS: list[dict[str, Any]] = [
    doc
    for name in KUSTOMIZATION["resources"]
    for doc in yaml.safe_load_all((K8S / name).read_text())
    if doc
]
SETTINGS = {PREFIX + f.name.upper() for f in fields(Settings)}
LONG_RUNNING = ("Deployment", "StatefulSet")


def named(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in DOCS if d["kind"] == kind}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


def workloads() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in DOCS
            if d["kind"] in (*LONG_RUNNING, "Job", "CronJob")}  # fmt: skip


def environment(container: dict[str, Any]) -> dict[str, str]:
    """What the container sees: its envFrom ConfigMaps and Secrets, then its env."""
    found: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            found |= named("ConfigMap")[source["configMapRef"]["name"]]["data"]
        if "secretRef" in source:
            found |= named("Secret")[source["secretRef"]["name"]]["stringData"]
    found |= {e["name"]: e["value"] for e in container.get("env") or []}
    return found


def test_every_role_is_a_workload_running_its_command():
    found = workloads()
    assert set(ROLES) <= set(found), f"missing {sorted(set(ROLES) - set(found))}"
    for role, command in ROLES.items():
        expected = "Job" if role == "migrate" else LONG_RUNNING
        assert found[role]["kind"] in expected, role
        (container,) = pod_spec(found[role])["containers"]
        args = container["args"]
        assert args[0] == "observatory" and args[1 : 1 + len(command)] == command, role


def test_every_command_and_option_exists():
    for name, doc in workloads().items():
        for container in pod_spec(doc)["containers"]:
            args = container["args"][1:]
            context = main.make_context("observatory", list(args), resilient_parsing=True)
            sub = main.get_command(context, args[0])
            assert sub is not None, f"{name}: unknown command {args[0]}"
            while isinstance(sub, type(main)) and len(args) > 1:  # a group: its subcommand
                context = sub.make_context(args[0], [args[1]], parent=context,
                                           resilient_parsing=True)  # fmt: skip
                args, sub = args[1:], sub.get_command(context, args[1])
                assert sub is not None, f"{name}: unknown command {args[0]}"
            sub.make_context(args[0], list(args[1:]), parent=context)


def test_long_running_roles_have_readiness_probes_and_apis_probe_readyz():
    for name, doc in workloads().items():
        if doc["kind"] not in LONG_RUNNING:
            continue
        for container in pod_spec(doc)["containers"]:
            assert container.get("readinessProbe"), f"{name} has no readiness probe"
    for api in APIS:
        (container,) = pod_spec(workloads()[api])["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_variable_is_a_setting_and_every_role_reaches_every_store():
    for name, doc in workloads().items():
        for container in pod_spec(doc)["containers"]:
            env = environment(container)
            unknown = {v for v in env if v.startswith(PREFIX)} - SETTINGS
            assert not unknown, f"{name}: {sorted(unknown)} are not settings"
            Settings.from_env(env)  # raises on a value it cannot use
            missing = [v for v in STORES.values() if not env.get(v)]
            assert not missing, f"{name} is not connected to {missing}"


def test_the_apis_have_services_and_the_write_api_routes_otlp_grpc():
    services = named("Service")
    for api in APIS:
        selector = services[api]["spec"]["selector"]
        labels = workloads()[api]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"{api}: the Service selects no pod"
    ports = {p["name"]: p["port"] for p in services["write-api"]["spec"]["ports"]}
    assert ports == {"http": 8470, "otlp-grpc": 4317}


def test_audit_verify_runs_regularly_and_keeps_its_anchors_on_a_volume():
    (cron,) = named("CronJob").values()
    (container,) = pod_spec(cron)["containers"]
    assert container["args"] == ["observatory", "audit", "verify"]
    anchor = environment(container)["OBSERVATORY_AUDIT_ANCHOR_FILE"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    claims = {v["name"] for v in pod_spec(cron)["volumes"] if "persistentVolumeClaim" in v}
    assert any(anchor.startswith(mounts[c] + "/") for c in claims)
