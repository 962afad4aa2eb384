// The dashboard's browser benchmark (benchmarks/dashboard.py starts `observatory up` and runs
// this): figures are printed, never asserted.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: "*.bench.ts",
  workers: 1,
  timeout: 600_000,
  reporter: [["list"]],
  use: {
    baseURL: process.env.OBS_BASE_URL,
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] },
  },
});
