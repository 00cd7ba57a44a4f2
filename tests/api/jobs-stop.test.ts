import { afterEach, expect, test } from "bun:test";
import { startJobs } from "../../src/jobs";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Stopping the background jobs (the server's shutdown: stop them, then close the services)
 * waits for the passes under way, so none of them reaches a closed database: the first
 * webhook pass, queueing what the log holds, is under way right after the start.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("a stop right after the start waits for the passes under way; closing then logs no error", async () => {
  const app = makeTestApp({ config: { webhooks: { allow_private: true } } });
  t = app;
  // Nothing listens on port 9: every attempt fails at once.
  expect((await app.request("POST", "/hooks", { json: { url: "http://127.0.0.1:9/hook" } })).status).toBe(201);
  for (let i = 0; i < 40; i++) {
    expect((await app.request("PUT", `/files/logged/f${i}.txt`, { body: `file ${i}` })).status).toBe(200);
  }
  const stop = startJobs(app.ctx);
  // The dispatcher's first pass starts on the next timer: it is queueing the log when the stop comes.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await stop();
  t = undefined;
  await app.close();
  // Whatever a pass had still to do would run now, on the closed database.
  for (let i = 0; i < 5; i++) await turn();
  const errors = app.logs.filter((line) => JSON.parse(line).level === "error");
  expect(errors).toEqual([]);
  expect(app.logs.join("\n")).not.toContain("closed");
});
