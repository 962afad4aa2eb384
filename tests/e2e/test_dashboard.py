"""The web dashboard in a real browser: Playwright drives Debian's headless chromium against a
real ``observatory serve`` and ``project`` (PostgreSQL, Redis for live state), started here the
way users start them. The browser-side steps are in ``dashboard/e2e/dashboard.spec.ts``: the
sample session replayed over HTTP appears on an open Fleet page, its Explore lane and denied
call's rule show, an operator acknowledges an alert, a viewer sees no operator buttons, a wrong
token gets the sign-in page with the reason, the Usage page shows the cost of an OTLP logs
export (``tests/corpus/otlp/claude_code_logs.json``) live with a budget's spend, and a call held
by an ``approve`` rule is approved from the inbox, the held hook then answering allow. Each
page's screenshot is taken; with
``UPDATE_SCREENSHOTS=1`` they replace docs/screenshots/ (the README links them), otherwise they
go to the test's temporary folder so that a test run leaves the work tree as it was.

It needs the built dashboard and its node modules (``make test`` builds both; ``.ci/run``
installs chromium): without them it is skipped on a developer's machine and fails in CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commands.alerts.messages import RecordAssessment
from commands.alerts.service import AlertDesk
from commands.ml.messages import PromoteModel, RegisterTrainedModel
from commands.ml.service import ModelRegistry
from infra.database import eventsourcing_env
from infra.embedded.postgres import free_port
from tests.e2e.processes import cli, credentials, env, kill_group, start, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard"
CORPUS = ROOT / "tests" / "corpus" / "claude_hooks" / "s1_ledger_api"
OTLP_LOGS = ROOT / "tests" / "corpus" / "otlp" / "claude_code_logs.json"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SESSION = "3f6b2c1e-8a47-4d9b-b0e2-71c5a9d4e8f0"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing() -> str | None:
    if not (ROOT / "read_api" / "dashboard_dist" / "index.html").is_file():
        return "the dashboard is not built (make test builds it)"
    if not (DASHBOARD / "node_modules" / "@playwright" / "test").is_dir():
        return "dashboard/node_modules is missing (cd dashboard && npm ci)"
    if shutil.which("npx") is None or not Path(CHROMIUM).exists():
        return f"npx or {CHROMIUM} is missing (apt-get install -y chromium)"
    return None


def raise_alert(pg_url: str, schema: str) -> str:
    """A warning on the sample session, as the scoring worker would record it (a warning: a
    critical alert would quarantine the session, and every call of the replay would ask)."""
    environment = eventsourcing_env(pg_url, schema, 2)
    alerts, registry = AlertDesk(environment), ModelRegistry(environment)
    try:
        version = registry.register_trained(RegisterTrainedModel(
            "default", "failure", "lstm-e2e", "d" * 64, "3", "trainer",
            datetime(2026, 1, 1, tzinfo=UTC), {"thresholds": {"warning": 0.6, "critical": 0.85}},
        )).version_id  # fmt: skip
        registry.promote(PromoteModel("default", version, "ml-ops"))
        raised = alerts.record_assessment(RecordAssessment(
            "default", SESSION, version, 0.7, 10,
            [{"name": "tool_failure_rate", "value": 0.8, "contribution": 0.5}], agent="main",
        ))  # fmt: skip
        assert raised.alert_id is not None
        return str(raised.alert_id)
    finally:
        alerts.close()
        registry.close()


def test_the_dashboard_in_a_browser(pg_url, schema, tmp_path):
    reason = missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = env(
        OBSERVATORY_DATABASE_URL=pg_url, OBSERVATORY_DATABASE_SCHEMA=schema,
        OBSERVATORY_PORT=str(port), OBSERVATORY_LOG_LEVEL="warning",
        OBSERVATORY_DATA_DIR=str(tmp_path / "data"),
        OBSERVATORY_REDIS_URL="redis://127.0.0.1:6379/0",
        OBSERVATORY_REDIS_PREFIX=f"e2e{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    key, admin = credentials(environment)
    viewer = cli(["auth", "token", "--role", "viewer", "--subject", "vic", "--ttl", "1h",
                  "--quiet"], environment)  # fmt: skip
    alert = raise_alert(pg_url, schema)
    log = tmp_path / "processes.log"
    api = start(["serve"], environment, log)
    projector = start(["project"], environment, log)
    screenshots = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path / "shots"
    screenshots.mkdir(parents=True, exist_ok=True)
    try:
        wait_until_ready(base, api, log)
        browser_env = {
            **environment, "OBS_BASE_URL": base, "OBS_ADMIN_TOKEN": admin,
            "OBS_VIEWER_TOKEN": viewer, "OBS_AGENT_KEY": key, "OBS_CORPUS": str(CORPUS),
            "OBS_OTLP_LOGS": str(OTLP_LOGS),
            "OBS_SCREENSHOTS": str(screenshots), "OBS_ALERT_ID": alert, "CHROMIUM": CHROMIUM,
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        }  # fmt: skip
        run = subprocess.run(
            ["npx", "--no-install", "playwright", "test"], cwd=DASHBOARD, env=browser_env,
            capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- servers:\n{log.read_text()}"
    finally:
        for process in (api, projector):
            kill_group(process, signal.SIGTERM)
        for process in (api, projector):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_group(process, signal.SIGKILL)
                process.wait()
