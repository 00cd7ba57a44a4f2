import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { FeedClient, txs } from "../fixtures/feed-client";

/**
 * A consumer that stops reading: lightd closes it with 4008 once its buffer (here the
 * smallest allowed, 4 KiB) is full, other consumers keep their events, and the slow one
 * resumes from the tx the close reason names with no gap and no duplicate.
 */

let server: RunningServer;
let master = "";

beforeAll(async () => {
  const dir = makeTempDir();
  master = `lightd_${randomBytes(24).toString("hex")}`;
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { enabled: true, token: master },
      rate_limits: { enabled: false },
      feed: { max_buffer_bytes: 4096 },
    }),
    { mode: 0o600 },
  );
  server = await startServer({ dir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

test("a slow consumer is closed with 4008 and resumes from the tx in the reason", async () => {
  const ws = server.url.replace("http://", "ws://");
  const slow = new FeedClient(`${ws}/ws/events?since_tx=0&token=${master}`);
  const steady = new FeedClient(`${ws}/ws/events?since_tx=0&token=${master}`);
  expect(await slow.opened).toBe(101);
  expect(await steady.opened).toBe(101);
  slow.socket.pause(); // stops reading: the kernel buffers fill, then lightd's

  // Moves of a file between two long names with long commit messages are cheap changes with
  // big events (~3 KB); make them until lightd reports that it cut the slow consumer off (its
  // socket is paused, so it cannot tell yet). The kernel's socket buffers take a few MB first.
  const names = [`slow/${"a".repeat(990)}`, `slow/${"b".repeat(990)}`];
  const message = "m".repeat(1000);
  const put = await fetch(`${server.url}/files/${names[0]}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${master}` },
    body: "x",
  });
  let last = ((await put.json()) as { tx: number }).tx;
  const cutOff = () => server.logs().some((l) => l.msg === "feed connection closed" && l.code === 4008);
  for (let i = 0; i < 5000 && !cutOff(); i++) {
    const response = await fetch(`${server.url}/files/move`, {
      method: "POST",
      headers: { authorization: `Bearer ${master}`, "content-type": "application/json" },
      body: JSON.stringify({ from: names[i % 2], to: names[(i + 1) % 2], message }),
    });
    expect(response.status).toBe(200);
    last = ((await response.json()) as { tx: number }).tx;
  }
  await server.waitForLog((l) => l.msg === "feed connection closed" && l.code === 4008);
  slow.socket.resume();
  const { code, reason } = await slow.closed;
  expect(code).toBe(4008);
  const resumeFrom = Number(/since_tx=(\d+)/.exec(reason)?.[1]);
  // Everything the slow consumer was sent arrived, in order, up to the tx the reason names.
  expect(txs(slow.events)).toEqual(Array.from({ length: resumeFrom }, (_, i) => i + 1));

  const again = new FeedClient(`${ws}/ws/events?since_tx=${resumeFrom}&token=${master}`);
  await again.waitFor((e) => (e.at(-1)?.tx ?? 0) >= last, "the rest after resuming");
  expect(txs([...slow.events, ...again.events])).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  // The steady consumer was never held up or cut off.
  await steady.waitFor((e) => e.length >= last, "the steady consumer");
  expect(txs(steady.events)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  await again.close();
  await steady.close();
}, 120_000);
