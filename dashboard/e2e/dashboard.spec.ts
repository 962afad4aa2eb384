// The dashboard in a real browser against a real server: the sample session (tests/corpus,
// s1_ledger_api) replayed over HTTP while the Fleet page is open, then opened as swim lanes.
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
});
