import { mount, RouterLinkStub } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import type { TimelineEvent } from "../../src/api/queries";
import AlertList from "../../src/components/AlertList.vue";
import EventTimeline from "../../src/components/EventTimeline.vue";
import RulingList from "../../src/components/RulingList.vue";
import SwimLanes from "../../src/components/SwimLanes.vue";
import { alert, call, subagent } from "./fixtures";

const stubs = { global: { stubs: { RouterLink: RouterLinkStub } } };

describe("AlertList", () => {
  it("shows a viewer no operator buttons", () => {
    const list = mount(AlertList, { props: { alerts: [alert()], canOperate: false }, ...stubs });
    expect(list.text()).toContain("session looks heading for failure");
    expect(list.findAll("button")).toHaveLength(0);
  });

  it("lets an operator acknowledge a raised alert and resolve an acknowledged one", async () => {
    const list = mount(AlertList, {
      props: { alerts: [alert(), alert({ id: "al-2", status: "ACKNOWLEDGED", acknowledgedBy: "ops" })], canOperate: true },
      ...stubs,
    });
    const [raised, acknowledged] = list.findAll("li.alert");
    expect(raised!.findAll("button").map((b) => b.text())).toEqual(["Acknowledge", "Resolve"]);
    expect(acknowledged!.findAll("button").map((b) => b.text())).toEqual(["Resolve"]);
    await raised!.find("button").trigger("click");
    expect(list.emitted("acknowledge")).toEqual([["al-1"]]);
  });
});

describe("RulingList", () => {
  it("names the rule and the policy version of each ruling", () => {
    const list = mount(RulingList, {
      props: {
        empty: "none",
        rulings: [{ position: 7, sessionId: "s-1", toolName: "Bash", agentId: null, decision: "DENY" as const,
          ruleId: "git_force_push_protected", policyVersion: 3, message: "blocked", decidedAt: "2026-01-01T00:00:00Z" }],
      },
      ...stubs,
    });
    expect(list.text()).toContain("rule git_force_push_protected · policy v3");
    expect(list.find(".badge").text()).toBe("deny");
  });
});

describe("SwimLanes", () => {
  it("draws a lane per agent and tells inferred attribution apart", () => {
    const lanes = mount(SwimLanes, {
      props: {
        subagents: [subagent(), subagent({ agentId: "a-plan", agentType: "Plan", attribution: "INFERRED" })],
        calls: [call(), call({ agentId: "a-explore", attribution: "EXPLICIT", toolName: "Glob" }),
          call({ agentId: "a-plan", attribution: "INFERRED", status: "DENIED", decision: "deny", decisionRule: "r1" })],
        start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:10Z", selected: null,
      },
    });
    expect(lanes.findAll("[data-lane]").map((l) => l.attributes("data-lane"))).toEqual(["main", "Explore", "Plan"]);
    const plan = lanes.find('[data-lane="Plan"]');
    expect(plan.classes()).toContain("inferred");
    expect(plan.find(".call").classes()).toEqual(expect.arrayContaining(["denied", "inferred"]));
    expect(plan.find(".call").attributes("title")).toContain("rule r1");
    expect(lanes.find('[data-lane="Explore"]').classes()).not.toContain("inferred");
  });

  it("says which call was picked", async () => {
    const picked = call({ toolUseId: "toolu_x" });
    const lanes = mount(SwimLanes, { props: { subagents: [], calls: [picked], start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:10Z", selected: null } });
    await lanes.find(".call").trigger("click");
    expect(lanes.emitted("select")).toEqual([["toolu_x"]]);
  });
});

describe("EventTimeline", () => {
  it("keeps only the rows in view in the DOM, however many events there are", () => {
    const events: TimelineEvent[] = Array.from({ length: 10_000 }, (_, i) => ({
      position: i + 1, hook: "PreToolUse", receivedAt: "2026-01-01T00:00:00Z", agentId: null, attribution: null, toolName: "Bash",
    }));
    const timeline = mount(EventTimeline, { props: { events, labels: {}, tail: false } });
    const rows = timeline.findAll(".event-row");
    expect(rows.length).toBeLessThan(100);
    expect(timeline.find('[data-testid="timeline"] > div').attributes("style")).toContain("height: 280000px");
  });
});
