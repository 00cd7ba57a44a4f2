import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer, cleanupE2E, makeTempDir } from "../fixtures/binary";
import { masterTokenOf, openBrowser } from "../fixtures/browser";

const server = await startServer();
const master = await masterTokenOf(server.configPath);
const b = await openBrowser({ width: 1400, height: 900 });
const ctx = b.context; const page = b.page;
page.on("request", (r) => { if (r.url().includes("/files/")) console.log("REQ", r.method(), r.url(), r.headers()["content-type"], r.postData()?.slice(0, 100)); });
await page.goto(`${server.url}/swagger#tag/files/PUT/files/{path}`);
await page.waitForTimeout(4000);
console.log((await page.locator("body").innerText()).slice(0, 3000));
writeFileSync("/tmp/explore/1.html", await page.content());
await ctx.close();
await cleanupE2E();
process.exit(0);
