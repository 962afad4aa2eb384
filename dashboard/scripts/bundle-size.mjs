// Prints the initial bundle's gzip size (index.html and every asset it loads) and fails the
// build past the budget of issue 15 (300 KB gzip). Lazy chunks are listed, not counted.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../../read_api/dashboard_dist/", import.meta.url).pathname;
const BUDGET = 300 * 1024;
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]));
const gz = (path) => gzipSync(readFileSync(join(dist, path)), { level: 9 }).length;
let total = gz("index.html");
for (const asset of initial) total += gz(asset);
const lazy = readdirSync(join(dist, "assets")).filter((f) => !initial.has(`assets/${f}`));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dashboard: initial bundle ${kb(total)} gzip (budget ${kb(BUDGET)}), ${initial.size} assets`);
for (const f of lazy) console.log(`  lazy ${f}: ${kb(gz(`assets/${f}`))} gzip`);
if (total > BUDGET) {
  console.error(`dashboard: the initial bundle is over budget by ${kb(total - BUDGET)}`);
  process.exit(1);
}
