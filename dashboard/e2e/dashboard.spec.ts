// The dashboard in a real browser against a real server: the sample session (tests/corpus,
// s1_ledger_api) replayed over HTTP while the Fleet page is open, then opened as swim lanes.
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through tests/e2e/test_dashboard.py`);
  return value;
};
const BASE = env("OBS_BASE_URL");
const ADMIN = env("OBS_ADMIN_TOKEN");
const VIEWER = env("OBS_VIEWER_TOKEN");
const AGENT_KEY = env("OBS_AGENT_KEY");
const CORPUS = env("OBS_CORPUS");
const SHOTS = env("OBS_SCREENSHOTS");
const OTLP_LOGS = env("OBS_OTLP_LOGS");
const SESSION = "3f6b2c1e-8a47-4d9b-b0e2-71c5a9d4e8f0";

async function signIn(page: Page, token: string, path = "/"): Promise<void> {
  await page.goto(path);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("who")).toBeVisible();
}

async function replay(): Promise<void> {
  for (const name of readdirSync(CORPUS).filter((f) => f.endsWith(".json")).sort()) {
    const response = await fetch(`${BASE}/v1/hooks/claude-code`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${AGENT_KEY}` },
      body: readFileSync(join(CORPUS, name)),
    });
    expect(response.status, name).toBe(200);
  }
}

/** Adds a guardrail rule and waits until the server's guardrail state holds it. */
async function addRule(rule: Record<string, unknown>): Promise<void> {
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN}` };
  const added = await fetch(`${BASE}/v1/guardrails/rules`, { method: "POST", headers, body: JSON.stringify(rule) });
  expect(added.status, await added.clone().text()).toBe(202);
  const { position } = (await added.json()) as { position: number };
  await expect.poll(async () => {
    const status = await fetch(`${BASE}/v1/guardrails/status`, { headers });
    return ((await status.json()) as { position: number }).position;
  }).toBeGreaterThanOrEqual(position);
}

type Attribute = { key: string; value: { stringValue?: string } };
type LogRecord = { timeUnixNano: string; observedTimeUnixNano?: string; attributes: Attribute[] };

/** The corpus' Claude Code log export (tests/corpus/otlp) as if sent now: every record moved
 * by the same amount, so that its model calls fall in the Usage page's range. */
function logsExportedNow(): string {
  const exported = JSON.parse(readFileSync(OTLP_LOGS, "utf8")) as {
    resourceLogs: { scopeLogs: { logRecords: LogRecord[] }[] }[];
  };
  const records = exported.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
  const latest = records.reduce((n, r) => (BigInt(r.timeUnixNano) > n ? BigInt(r.timeUnixNano) : n), 0n);
  const shift = BigInt(Date.now() - 60_000) * 1_000_000n - latest;
  for (const record of records) {
    const at = BigInt(record.timeUnixNano) + shift;
    record.timeUnixNano = at.toString();
    if (record.observedTimeUnixNano) record.observedTimeUnixNano = (BigInt(record.observedTimeUnixNano) + shift).toString();
    for (const a of record.attributes ?? []) {
      if (a.key === "event.timestamp") a.value.stringValue = new Date(Number(at / 1_000_000n)).toISOString();
    }
  }
  return JSON.stringify(exported);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

test.describe.serial("the dashboard", () => {
  test("a wrong token gets the sign-in page with the server's reason", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Sign in to Observatory" })).toBeVisible();
    await page.getByLabel("Token").fill("not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    // The reason is the server's own words (its 401 problem document), not a generic message.
    await expect(page.getByTestId("refusal")).toContainText("The server refused the token: the token cannot be accepted");
    await expect(page.getByTestId("who")).toHaveCount(0);
    await shot(page, "sign-in");
  });

  test("the sample session replayed over HTTP appears on an open Fleet page without reload", async ({ page }) => {
    await signIn(page, ADMIN);
    await expect(page.getByTestId("live-events")).toContainText("Waiting for events");
    // Sessions are listed from the first page load: the table must not hold ours yet.
    await expect(page.locator(`[data-session="${SESSION}"]`)).toHaveCount(0);
    let navigations = 0;
    page.on("framenavigated", () => (navigations += 1));
    await replay();
    await expect(page.locator(`[data-session="${SESSION}"]`)).toBeVisible();
    await expect(page.getByTestId("live-events")).toContainText("PreToolUse");
    await expect(page.getByTestId("rulings").first()).toContainText("rule destructive_sql");
    expect(navigations).toBe(0);
    await shot(page, "fleet");
  });

  test("the session shows the Explore subagent's lane with its tool calls, and a denied call's rule", async ({ page }) => {
    await signIn(page, ADMIN);
    await page.locator(`[data-session="${SESSION}"] a`).click();
    await expect(page).toHaveURL(new RegExp(`/sessions/${SESSION}$`));
    const explore = page.locator('[data-lane="Explore"]');
    await expect(explore).toBeVisible();
    await expect(explore.locator(".call").first()).toBeVisible();
    expect(await explore.locator(".call").count()).toBeGreaterThan(0);
    await expect(page.locator('[data-lane="main"] .call').first()).toBeVisible();
    const rulings = page.getByTestId("session-rulings");
    await expect(rulings).toContainText("deny");
    await expect(rulings.getByTestId("rule").first()).not.toHaveText("–");
    await rulings.getByRole("button").first().click();
    await expect(page.getByTestId("call-details")).toContainText("rule");
    await expect(page.getByTestId("timeline")).toContainText("SessionStart");
    // Keyboard: a call on a lane is a button; Enter picks it.
    await explore.locator(".call").first().focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("call-details")).toContainText("Explore");
    await shot(page, "session");
  });

  test("an operator acknowledges an alert", async ({ page }) => {
    const alertId = env("OBS_ALERT_ID");
    await signIn(page, ADMIN, "/alerts");
    const alert = page.locator(`[data-alert="${alertId}"]`);
    await expect(alert).toContainText("raised");
    await expect(alert).toContainText("warning");
    await alert.getByRole("button", { name: "Acknowledge" }).click();
    await expect(alert).toContainText("acknowledged");
    await expect(alert.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
    await shot(page, "alerts");
  });

  test("a viewer sees no operator buttons", async ({ page }) => {
    await signIn(page, VIEWER, "/alerts");
    await expect(page.getByTestId("who")).toContainText("viewer");
    await expect(page.locator("[data-alert]").first()).toBeVisible();
    await expect(page.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Resolve" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Audit" })).toHaveCount(0);
    await page.goto("/");
    await expect(page.locator(`[data-session="${SESSION}"]`)).toBeVisible();
    await expect(page.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
  });

  test("guardrails, audit, dark theme and a phone-sized screen", async ({ page }) => {
    await signIn(page, ADMIN, "/guardrails");
    await expect(page.getByRole("heading", { name: "Guardrails" })).toBeVisible();
    await page.reload();
    await page.keyboard.press("Tab"); // the first stop skips the navigation
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("main")).toBeFocused();
    await shot(page, "guardrails");
    await page.getByRole("link", { name: "Audit" }).click();
    await expect(page.getByTestId("audit")).toContainText("alert");
    await shot(page, "audit");
    await page.getByRole("button", { name: /Switch to dark theme/ }).click();
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/sessions/${SESSION}`);
    await expect(page.locator('[data-lane="Explore"]')).toBeVisible();
    await shot(page, "session-phone-dark");
  });

  test("the Usage page shows the cost of an OTLP logs export without reload, and a budget's spend", async ({ page }) => {
    await addRule({
      id: "platform-daily", budget: { scope: "team", period: "day", usd: 0.1, warn_at: 0.8 },
      decision: "ask", mode: "shadow", message: "The platform team has spent its model budget for today.",
    });
    const subscribed = page.waitForEvent("websocket").then((ws) =>
      ws.waitForEvent("framesent", (frame) => String(frame.payload).includes("fleetActivity")));
    await signIn(page, ADMIN, "/usage");
    await expect(page.getByRole("heading", { name: "Usage and cost" })).toBeVisible();
    await expect(page.getByTestId("total-cost")).toHaveText("$0.00");
    await expect(page.locator('[data-budget="platform-daily"]')).toContainText("Nothing spent yet");
    await subscribed;
    const exported = await fetch(`${BASE}/v1/logs`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${AGENT_KEY}` },
      body: logsExportedNow(),
    });
    expect(exported.status, await exported.clone().text()).toBe(200);
    // Claude Code's own figures (tests/integration/test_usage.py): 0.0842715 + 0.0016 + 0.1204 USD.
    await expect(page.getByTestId("total-cost")).toHaveText("$0.21");
    await expect(page.getByTestId("by-model")).toContainText("claude-opus-4-5-20251101");
    await expect(page.getByTestId("by-team")).toContainText("platform");
    const budget = page.locator('[data-budget="platform-daily"]');
    await expect(budget).toContainText("$0.21 of $0.10");
    await expect(budget).toContainText("reached");
    await shot(page, "usage");
    await page.getByRole("button", { name: /Switch to dark theme/ }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId("day-chart")).toBeVisible();
    await shot(page, "usage-phone-dark");
  });

  test("a call held by an approve rule shows in the inbox, is approved there, and the held hook answers allow", async ({ page, browser }) => {
    await addRule({
      id: "prod-deploys", tools: ["Bash"], when: { command: { program: "kubectl" } }, decision: "approve",
      message: "Production changes need a person on duty.", approve: { wait_seconds: 40 },
    });
    await signIn(page, ADMIN, "/approvals");
    const inbox = page.getByTestId("approvals");
    await expect(inbox).toContainText("Nothing waits for an answer."); // the subscription's first list
    const session = randomUUID();
    const held = fetch(`${BASE}/v1/hooks/claude-code`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${AGENT_KEY}` },
      body: JSON.stringify({
        session_id: session, hook_event_name: "PreToolUse", tool_name: "Bash", tool_use_id: `toolu_${session.slice(0, 12)}`,
        tool_input: { command: "kubectl --context prod rollout restart deploy/ledger" },
        cwd: "/home/dana/src/ledger-api", transcript_path: "/tmp/t.jsonl", permission_mode: "default",
      }),
    });
    const item = page.locator("[data-approval]").filter({ hasText: "kubectl --context prod rollout restart" });
    await expect(item).toContainText("rule prod-deploys");
    await expect(item.getByTestId("time-left")).toContainText("left");
    await expect(item.getByRole("link", { name: `session ${session.slice(0, 8)}` })).toBeVisible();

    const viewerContext = await browser.newContext({ baseURL: BASE });
    const viewer = await viewerContext.newPage();
    await signIn(viewer, VIEWER, "/approvals");
    await expect(viewer.locator("[data-approval]").filter({ hasText: "kubectl --context prod" })).toBeVisible();
    await expect(viewer.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await viewerContext.close();

    await shot(page, "approvals");
    await item.getByLabel("Reason").fill("change window CHG-1234");
    await item.getByRole("button", { name: "Approve" }).click();
    const answer = await held;
    expect(answer.status).toBe(200);
    const output = ((await answer.json()) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput;
    expect(output.permissionDecision).toBe("allow");
    expect(output.permissionDecisionReason).toContain("change window CHG-1234");
    await expect(inbox).toContainText("Nothing waits for an answer.");
  });
});
