import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// The build goes inside the Python package, which serves it at / (read_api/dashboard.py).
const outDir = fileURLToPath(new URL("../read_api/dashboard_dist", import.meta.url));

export default defineConfig({
  plugins: [vue()],
  build: { outDir, emptyOutDir: true, target: "es2022", reportCompressedSize: false },
  server: {
    // `npm run dev` against a running `observatory up` (GraphQL and its WebSocket).
    proxy: { "/graphql": { target: "http://127.0.0.1:8470", ws: true } },
  },
  test: { environment: "happy-dom", include: ["tests/unit/**/*.test.ts"] },
});
