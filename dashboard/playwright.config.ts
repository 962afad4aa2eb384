// End-to-end tests in Debian's headless chromium (no browser download: see .ci/run), against
// a real `observatory serve` + `project` that tests/e2e/test_dashboard.py starts and describes
// in the environment (OBS_BASE_URL, OBS_ADMIN_TOKEN, OBS_VIEWER_TOKEN, OBS_AGENT_KEY, …).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.OBS_BASE_URL ?? "http://127.0.0.1:8470",
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    },
  },
});
