import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * A feed cursor names a change that happened: `since_tx` (WebSocket, SSE and `/files/log`) and
 * `Last-Event-ID` (SSE) after the space's newest tx are refused with 400 before any stream
 * opens, as `GET /files/x?tx=` refuses a future tx, so a client holding a cursor from before
 * a restore learns it instead of silently missing every change.
 */

let t: TestApp;
let newest = 0;

beforeAll(async () => {
  t = makeTestApp();
  for (const name of ["a", "b", "c"]) {
    const response = await t.request("PUT", `/files/${name}.txt`, { body: name });
    newest = ((await response.json()) as { tx: number }).tx;
  }
});
afterAll(() => t.close());

const refusal = { error: "bad_request", message: expect.stringContaining("after this space's newest tx") };

test.each([
  "/events?since_tx=999999",
  "/ws/events?since_tx=999999",
  "/ws/live?since_tx=999999",
  "/files/log?since_tx=999999",
  "/files/log?since_tx=999999&path=a.txt",
])("%s is refused with 400 before any stream or upgrade", async (url) => {
  const response = await t.request("GET", url);
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject(refusal);
  expect(await (await t.request("GET", "/files/a.txt?tx=999999")).json()).toMatchObject(refusal);
});

test("a Last-Event-ID after the newest tx is refused too; the newest tx itself is a good cursor", async () => {
  const ahead = await t.request("GET", "/events", { headers: { "last-event-id": String(newest + 1) } });
  expect(ahead.status).toBe(400);
  expect(await ahead.json()).toMatchObject({
    message: `Last-Event-ID ${newest + 1} is after this space's newest tx (${newest})`,
  });

  const current = await t.request("GET", "/events", { headers: { "last-event-id": String(newest) } });
  expect(current.status).toBe(200);
  expect(current.headers.get("content-type")).toStartWith("text/event-stream");
  await current.body?.cancel();
  // Without a server to upgrade, a good cursor reaches the upgrade (426), past every check.
  expect((await t.request("GET", `/ws/events?since_tx=${newest}`)).status).toBe(426);
  const log = await t.request("GET", `/files/log?since_tx=${newest}`);
  expect(log.status).toBe(200);
  expect(await log.json()).toEqual({ events: [] });
});
