import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";
import { auth, can, signOut } from "../../src/lib/auth";
import SignInPage from "../../src/pages/SignInPage.vue";

function page() {
  const router = createRouter({ history: createMemoryHistory(), routes: [
    { path: "/sign-in", component: SignInPage }, { path: "/", component: { template: "<p>fleet</p>" } },
  ] });
  return { router, wrapper: mount(SignInPage, { global: { plugins: [router] } }) };
}

afterEach(() => {
  vi.unstubAllGlobals();
  signOut();
  sessionStorage.clear();
});

describe("the sign-in page", () => {
  it("shows the server's reason when it refuses the token, and keeps nothing", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(
      JSON.stringify({ status_code: 401, detail: "the token's signature does not verify" }), { status: 401 },
    )));
    const { wrapper } = page();
    await wrapper.find("input").setValue("bad");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="refusal"]').text()).toContain("the token's signature does not verify");
    expect(sessionStorage.getItem("observatory.token")).toBeNull();
    expect(auth.caller).toBeNull();
  });

  it("keeps an accepted token for the tab and learns the caller's permissions", async () => {
    const whoami = { subject: "vic", roles: ["viewer"], permissions: ["read"] };
    const fetch = vi.fn(async () => new Response(JSON.stringify({ data: { whoami } }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const { wrapper, router } = page();
    await router.push("/sign-in");
    await wrapper.find("input").setValue("good-token");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    expect(sessionStorage.getItem("observatory.token")).toBe("good-token");
    expect(auth.caller).toEqual(whoami);
    expect([can("read"), can("operate")]).toEqual([true, false]);
    expect(router.currentRoute.value.path).toBe("/");
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer good-token");
  });
});
