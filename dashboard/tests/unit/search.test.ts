import { flushPromises, mount, RouterLinkStub } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import EventSearch from "../../src/components/EventSearch.vue";
import { signIn, signOut } from "../../src/lib/auth";

afterEach(() => {
  vi.unstubAllGlobals();
  signOut();
});

describe("EventSearch", () => {
  it("sends the text to searchEvents and links each hit to its session", async () => {
    const hit = { position: 9, at: "2026-01-01T00:00:00Z", sessionId: "3f6b2c1e-8a47", hook: "PreToolUse", toolName: "Bash" };
    const bodies: { query: string; variables: Record<string, unknown> }[] = [];
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
      bodies.push(body);
      const data = body.query.includes("whoami")
        ? { whoami: { subject: "vic", roles: ["viewer"], permissions: ["read"] } }
        : { searchEvents: [hit] };
      return new Response(JSON.stringify({ data }), { status: 200 });
    }));
    await signIn("token");
    const search = mount(EventSearch, { global: { stubs: { RouterLink: RouterLinkStub } } });
    await search.find("input").setValue("git push");
    await search.find("form").trigger("submit");
    await flushPromises();
    expect(bodies.at(-1)!.variables).toEqual({ text: "git push" });
    expect(search.find('[data-testid="search-hits"]').text()).toContain("PreToolUse");
    expect(search.findComponent(RouterLinkStub).props("to")).toBe("/sessions/3f6b2c1e-8a47");
  });
});
