// The Usage and Approvals pages over a stubbed fetch (GraphQL over HTTP) and a stubbed
// subscription transport: what each page asks, what it shows, and when it asks again.
import { flushPromises, mount, RouterLinkStub } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../../src/api/client";
import { signIn, signOut } from "../../src/lib/auth";
import ApprovalsPage from "../../src/pages/ApprovalsPage.vue";
import UsagePage from "../../src/pages/UsagePage.vue";
import { pendingApproval, usageRow } from "./fixtures";

type Body = { query: string; variables: Record<string, unknown> };
const OPERATOR = { subject: "bob", roles: ["operator"], permissions: ["read", "operate"] };
const VIEWER = { subject: "vic", roles: ["viewer"], permissions: ["read"] };
const stubs = { global: { stubs: { RouterLink: RouterLinkStub } } };

let bodies: Body[] = [];
let live: { query: string; next: (data: unknown) => void }[] = [];

/** Answers each GraphQL request with ``answer(body)``; whoami with ``caller``. */
async function serve(caller: object, answer: (body: Body) => unknown): Promise<void> {
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as Body;
    bodies.push(body);
    const data = body.query.includes("whoami") ? { whoami: caller } : answer(body);
    return new Response(JSON.stringify({ data }), { status: 200 });
  }));
  await signIn("token");
}

beforeEach(() => {
  bodies = [];
  live = [];
  vi.spyOn(Api.prototype, "subscribe").mockImplementation((query, _variables, next) => {
    live.push({ query, next: next as (data: unknown) => void });
    return () => {};
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  signOut();
});

describe("the Usage page", () => {
  const today = `${new Date().toISOString().slice(0, 10)}T00:00:00+00:00`;
  const rules = [
    { id: "payments-daily", decision: "DENY", mode: "ENFORCE", message: "",
      definition: { id: "payments-daily", budget: { scope: "team", period: "day", usd: 10, warn_at: 0.8 } } },
    { id: "session-tokens", decision: "ASK", mode: "SHADOW", message: "",
      definition: { id: "session-tokens", budget: { scope: "session", tokens: 2000000 } } },
  ];
  const answer = (body: Body): unknown => {
    if (body.query.includes("guardrailPolicy")) return { guardrailPolicy: { version: 2, rules } };
    if (body.query.includes("team_day")) {
      return { team_day: [usageRow({ key: "payments", costUsd: 12.4 }), usageRow({ key: "", costUsd: 99 })] };
    }
    return {
      days: [usageRow({ key: today, bucket: today, costUsd: 12.4, inputTokens: 3414 })],
      teams: [usageRow({ key: "payments", costUsd: 12.4 })],
      users: [usageRow({ key: "5d9e3a17", costUsd: 12.4 })],
      models: [usageRow({ key: "claude-opus-4-5", costUsd: 12.4 })],
    };
  };
  const usageRequests = () => bodies.filter((b) => b.query.includes("days: usage"));

  it("shows the range's cost per day, the totals and each budget's spend against its limit", async () => {
    await serve(VIEWER, answer);
    const page = mount(UsagePage, stubs);
    await flushPromises();
    expect(page.find('[data-testid="total-cost"]').text()).toBe("$12.40");
    expect(page.find('[data-testid="input-tokens"]').text()).toBe("3.4K");
    const bars = page.findAll("rect.bar");
    expect(bars).toHaveLength(30);
    expect(bars.at(-1)!.attributes("height")).toBe("40");
    expect(bars[0]!.attributes("height")).toBe("0");
    expect(page.find('[data-testid="by-model"]').text()).toContain("claude-opus-4-5");
    const budget = page.find('[data-budget="payments-daily"]');
    expect(budget.text()).toContain("$12.40 of $10.00 (124%)");
    expect(budget.text()).toContain("reached");
    expect(budget.text()).not.toContain("$99"); // calls with no team are held to no team budget
    expect(page.find('[data-budget="session-tokens"]').text()).toContain("not told here");
    const spend = bodies.find((b) => b.query.includes("team_day"))!;
    expect(Object.keys(spend.variables)).toEqual(["day", "after"]);
    expect(usageRequests()[0]!.variables.filter).toEqual({});
  });

  it("narrows to a group picked in its table", async () => {
    await serve(VIEWER, answer);
    const page = mount(UsagePage, stubs);
    await flushPromises();
    await page.find('[data-testid="by-team"] button').trigger("click");
    await flushPromises();
    expect(usageRequests().at(-1)!.variables.filter).toEqual({ team: "payments" });
  });

  it("refetches when a model call arrives live, once a second at most, and never for other events", async () => {
    await serve(VIEWER, answer);
    mount(UsagePage, stubs);
    await flushPromises();
    const [fleet] = live;
    expect(fleet!.query).toContain("fleetActivity");
    const before = usageRequests().length;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let position = 0;
    const event = (kind: string) => ({ fleetActivity: { position: ++position, at: new Date().toISOString(), sessionId: "s", kind, tool: "", agent: "main", decision: "" } });
    fleet!.next(event("PreToolUse"));
    await vi.advanceTimersByTimeAsync(1500);
    expect(usageRequests()).toHaveLength(before);
    fleet!.next(event("ModelCall"));
    fleet!.next(event("ModelCall"));
    fleet!.next(event("ModelCall"));
    await vi.advanceTimersByTimeAsync(999);
    expect(usageRequests()).toHaveLength(before);
    await vi.advanceTimersByTimeAsync(1);
    await flushPromises();
    await flushPromises(); // the spend query follows the policy's
    expect(usageRequests()).toHaveLength(before + 1);
    // The usage view is projected apart from the live one: the refetch waits for the last call.
    expect(usageRequests().at(-1)!.variables.after).toBe(4);
    expect(bodies.filter((b) => b.query.includes("team_day")).at(-1)!.variables.after).toBe(4);
  });
});

describe("the Approvals page", () => {
  it("lists each held call with its rule, who asked, its session and the time left; a viewer gets no buttons", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2026-01-01T00:00:00Z"));
    await serve(VIEWER, () => ({}));
    const page = mount(ApprovalsPage, stubs);
    expect(live[0]!.query).toContain("pendingApprovals");
    live[0]!.next({ pendingApprovals: [pendingApproval({ expiresAt: "2026-01-01T00:01:30Z" })] });
    await flushPromises();
    const item = page.find('[data-approval="apr-1"]');
    expect(item.text()).toContain("kubectl --context prod rollout restart deploy/ledger");
    expect(item.text()).toContain("rule prod-deploys");
    expect(item.text()).toContain("asked by dana");
    expect(item.find('[data-testid="time-left"]').text()).toBe("1m 30s left");
    expect(page.findComponent(RouterLinkStub).props("to")).toBe("/sessions/3f6b2c1e-8a47");
    expect(page.findAll("button")).toHaveLength(0);
    expect(page.text()).toContain("answering needs the operator role");
  });

  it("lets an operator approve with a reason, then shows what the subscription says", async () => {
    await serve(OPERATOR, (body) =>
      body.query.includes("approve(") ? { approve: { requestId: "apr-1", position: 42 } } : { denyApproval: { requestId: "apr-2", position: 43 } });
    const page = mount(ApprovalsPage, stubs);
    live[0]!.next({ pendingApprovals: [pendingApproval(), pendingApproval({ requestId: "apr-2" })] });
    await flushPromises();
    const first = page.find('[data-approval="apr-1"]');
    expect(first.findAll("button").map((b) => b.text())).toEqual(["Approve", "Deny"]);
    await first.find("input").setValue("change window CHG-1234");
    await first.find("form").trigger("submit");
    await flushPromises();
    expect(bodies.at(-1)!.query).toContain("approve(requestId: $id, reason: $reason)");
    expect(bodies.at(-1)!.variables).toEqual({ id: "apr-1", reason: "change window CHG-1234" });
    expect(page.find('[data-approval="apr-1"]').text()).toContain("approved");
    expect(page.find('[data-approval="apr-1"]').findAll("button")).toHaveLength(0);
    await page.find('[data-approval="apr-2"]').findAll("button")[1]!.trigger("click");
    await flushPromises();
    expect(bodies.at(-1)!.query).toContain("denyApproval");
    expect(bodies.at(-1)!.variables).toEqual({ id: "apr-2", reason: "" });
    live[0]!.next({ pendingApprovals: [] });
    await flushPromises();
    expect(page.find('[data-testid="approvals"]').text()).toContain("Nothing waits for an answer.");
  });
});
