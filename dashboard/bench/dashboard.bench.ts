// Issue 15's browser targets, measured on a running `observatory up`: the Fleet page with
// 1,000 active sessions, a new hook's way to an open Fleet page, a session of 10,000 events.
import { expect, test, type Page } from "@playwright/test";

const BASE = process.env.OBS_BASE_URL!;
const TOKEN = process.env.OBS_ADMIN_TOKEN!;
const KEY = process.env.OBS_AGENT_KEY!;
const SESSIONS = Number(process.env.OBS_SESSIONS ?? 1000);
const EVENTS = Number(process.env.OBS_EVENTS ?? 10000);
const HOOKS = Number(process.env.OBS_LATENCY_HOOKS ?? 50);
const run = Date.now().toString(36);

async function post(body: object): Promise<number> {
  const answer = await fetch(`${BASE}/v1/hooks/claude-code`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  if (answer.status !== 200) throw new Error(`hook refused: ${answer.status} ${await answer.text()}`);
  return Number(answer.headers.get("observatory-position") ?? 0);
}

async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const report = (name: string, value: string) => console.log(`BENCH ${name}: ${value}`);

/** Waits until the read models named in ``query`` hold ``position`` (each call waits up to the
 * server's minPosition timeout): figures are taken on a caught-up server, not during a backlog. */
async function caughtUp(query: string, variables: Record<string, unknown>): Promise<unknown> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const answer = await fetch(`${BASE}/graphql`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await answer.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    if (!body.errors) return body.data;
    if (body.errors[0]?.extensions?.code !== "POSITION_NOT_REACHED") throw new Error(JSON.stringify(body.errors));
  }
  throw new Error("the read models never caught up");
}

async function signedIn(page: Page): Promise<void> {
  await page.addInitScript((token) => sessionStorage.setItem("observatory.token", token), TOKEN);
}

test("fleet page with many active sessions, and a new hook's way to it", async ({ page }) => {
  let last = 0;
  await pool(SESSIONS, 16, async (i) => {
    last = Math.max(last, await post({ session_id: `fleet-${run}-${i}`, hook_event_name: "SessionStart", source: "startup",
      cwd: `/work/project-${i % 20}`, model: "claude-sonnet-4-5" }));
  });
  await caughtUp(`query($p: Position) { liveCounters(minPosition: $p) { events } sessions(first: 1, minPosition: $p) { edges { cursor } } }`, { p: last });
  await signedIn(page);
  const started = Date.now();
  await page.goto("/");
  await expect(page.locator("[data-session]").first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("active-sessions")).not.toHaveText("…");
  report(`fleet page interactive with ${SESSIONS} new sessions`, `${Date.now() - started} ms`);

  const latencies: number[] = [];
  for (let i = 0; i < HOOKS; i += 1) {
    const id = `L${String(i).padStart(3, "0")}${run}`.slice(0, 8) + `-${run}-lat`;
    await post({ session_id: id, hook_event_name: "PreToolUse", tool_name: "Read",
      tool_use_id: `${id}-t`, tool_input: { file_path: "/work/README.md" }, cwd: "/work/x" });
    const answered = Date.now();
    await page.waitForFunction((prefix) => document.querySelector('[data-testid="live-events"]')?.textContent?.includes(prefix),
      id.slice(0, 8), { polling: "raf", timeout: 10_000 });
    latencies.push(Date.now() - answered);
  }
  report(`hook answer → visible on the Fleet page (${HOOKS} hooks)`,
    `p50 ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms, max ${Math.max(...latencies)} ms`);
});

test("session page with many events", async ({ page }) => {
  const session = `big-${run}`;
  const calls = Math.floor(EVENTS / 2);
  let last = 0;
  const ingestStarted = Date.now();
  await pool(calls, 32, async (i) => {
    const call = { session_id: session, tool_name: "Bash", tool_use_id: `${session}-${i}`,
      tool_input: { command: `echo ${i}` }, cwd: "/work/big" };
    await post({ ...call, hook_event_name: "PreToolUse" });
    last = Math.max(last, await post({ ...call, hook_event_name: "PostToolUse", tool_response: { stdout: `${i}` } }));
  });
  report(`ingest of ${calls * 2} events (32 clients)`, `${Date.now() - ingestStarted} ms`);
  const found = await caughtUp(`query($id: String!, $p: Position) { session(id: $id, minPosition: $p) { eventCount }
    liveCounters(minPosition: $p) { events } }`, { id: session, p: last });
  report("events in the session", JSON.stringify(found));

  await signedIn(page);
  const started = Date.now();
  await page.goto(`/sessions/${session}`);
  await expect(page.locator(".event-row").first()).toBeVisible({ timeout: 120_000 });
  const firstRows = Date.now() - started;
  const paint = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1);
  await expect(page.getByRole("heading", { name: /Timeline/ })).toContainText(`(${calls * 2} events)`, { timeout: 120_000 });
  report(`session page, ${calls * 2} events`,
    `first contentful paint ${Math.round(paint)} ms, first timeline rows ${firstRows} ms, all events loaded ${Date.now() - started} ms`);
  report("DOM rows in the timeline", String(await page.locator(".event-row").count()));

  const frames = await page.evaluate(async () => {
    const el = document.querySelector<HTMLElement>('[data-testid="timeline"]')!;
    el.scrollTop = 0; // a running session's timeline opened at its tail
    await new Promise((settled) => requestAnimationFrame(() => requestAnimationFrame(settled)));
    const deltas: number[] = [];
    let previous = performance.now();
    await new Promise<void>((done) => {
      const step = (now: number) => {
        deltas.push(now - previous);
        previous = now;
        el.scrollTop += 400;
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || deltas.length > 900) done();
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    return deltas.slice(1); // the first frame's delta includes the setup
  });
  const dropped = frames.filter((d) => d > 1.5 * (1000 / 60)).length;
  report("timeline scrolled top to bottom (400 px a frame)",
    `${frames.length} frames, median ${quantile(frames, 0.5).toFixed(1)} ms, p99 ${quantile(frames, 0.99).toFixed(1)} ms, ${dropped} over 25 ms`);
});
