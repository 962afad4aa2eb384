import { createRouter, createWebHistory } from "vue-router";
import { auth, resume } from "./lib/auth";
import FleetPage from "./pages/FleetPage.vue";
import SignInPage from "./pages/SignInPage.vue";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", name: "fleet", component: FleetPage },
    { path: "/sessions/:id", name: "session", component: () => import("./pages/SessionPage.vue"), props: true },
    { path: "/alerts", name: "alerts", component: () => import("./pages/AlertsPage.vue") },
    { path: "/usage", name: "usage", component: () => import("./pages/UsagePage.vue") },
    { path: "/approvals", name: "approvals", component: () => import("./pages/ApprovalsPage.vue") },
    { path: "/guardrails", name: "guardrails", component: () => import("./pages/GuardrailsPage.vue") },
    { path: "/audit", name: "audit", component: () => import("./pages/AuditPage.vue") },
    { path: "/sign-in", name: "sign-in", component: SignInPage, meta: { public: true } },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public || auth.caller !== null) return true;
  if (await resume()) return true;
  return { name: "sign-in", query: { next: to.fullPath } };
});
