import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { FeedClient, txs } from "../fixtures/feed-client";

/**
 * The live change feed on the compiled binary, read with the npm `ws` client: replay then
 * live, a reconnect during a burst, prefix and test keys, revocation, and a bad token.
 */

let server: RunningServer;
let base = "";
let ws = "";
let master = "";

beforeAll(async () => {
  const dir = makeTempDir();
  master = `lightd_${randomBytes(24).toString("hex")}`;
  // Rate limits off: the burst below is 1,000 uploads from one credential in a few seconds.
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ authorization: { enabled: true, token: master }, rate_limits: { enabled: false } }),
    { mode: 0o600 },
  );
  server = await startServer({ dir });
  base = server.url;
  ws = base.replace("http://", "ws://");
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

async function api(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function upload(token: string, path: string, text = "x"): Promise<number> {
  const response = await fetch(`${base}/files/${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
    body: text,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { tx: number }).tx;
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const response = await api("POST", "/auth/keys", master, body);
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; token: string };
}

describe("WebSocket /ws/events", () => {
  test("replays from since_tx, then continues live", async () => {
    const before = [await upload(master, "replay/a.txt"), await upload(master, "replay/b.txt")];
    const client = new FeedClient(`${ws}/ws/events?since_tx=${(before[0] as number) - 1}&token=${master}`);
    expect(await client.opened).toBe(101);
    await client.waitFor((e) => e.length >= 2, "the replay");
    expect(client.events.slice(0, 2).map((e) => e.path)).toEqual(["replay/a.txt", "replay/b.txt"]);
    expect(client.events[0]).toMatchObject({ tx: before[0], action: "upload", size: 1, msg: null });

    const moved = await api("POST", "/files/move", master, { from: "replay/b.txt", to: "replay/c.txt" });
    expect(moved.status).toBe(200);
    await client.waitFor((e) => e.length >= 3, "the live move");
    expect(client.events[2]).toMatchObject({ action: "move", path: "replay/b.txt", dest: "replay/c.txt" });
    // The same events, in the same shape, as /files/log.
    const log = (await (await api("GET", `/files/log?since_tx=${(before[0] as number) - 1}`, master)).json()) as {
      events: unknown[];
    };
    expect(client.events).toEqual(log.events as never);
    await client.close();
  });

  test("changes through other doors (WebDAV, copy) reach the feed too", async () => {
    const client = new FeedClient(`${ws}/ws/events?prefix=doors/&token=${master}`);
    expect(await client.opened).toBe(101);
    const auth = { authorization: `Bearer ${master}` };
    expect((await fetch(`${base}/dav/doors/`, { method: "MKCOL", headers: auth })).status).toBe(201);
    expect((await fetch(`${base}/dav/doors/a.txt`, { method: "PUT", headers: auth, body: "a" })).status).toBe(201);
    const copied = await api("POST", "/files/copy", master, { from: "doors/a.txt", to: "doors/b.txt" });
    expect(copied.status).toBe(200);
    await client.waitFor((e) => e.length >= 3, "the WebDAV and copy changes");
    expect(client.events.map((e) => [e.action, e.path, e.dest])).toEqual([
      ["mkdir", "doors/", undefined],
      ["upload", "doors/a.txt", undefined],
      ["copy", "doors/a.txt", "doors/b.txt"],
    ]);
    await client.close();
  });

  test("no gap and no duplicate across a reconnect during a burst of 1,000 uploads", async () => {
    const start = await upload(master, "burst/start.txt");
    const first = new FeedClient(`${ws}/ws/events?since_tx=${start}`, {
      headers: { authorization: `Bearer ${master}` },
    });
    expect(await first.opened).toBe(101);

    const total = 1000;
    let next = 0;
    const uploads = Array.from({ length: 8 }, async () => {
      while (next < total) await upload(master, `burst/f${next++}.txt`);
    });
    // Drop the connection part-way through the burst and resume from the last tx received.
    await first.waitFor((e) => e.length >= 250, "the first part of the burst");
    first.socket.terminate();
    await first.closed;
    const received = [...first.events];
    const resumeFrom = received[received.length - 1]?.tx as number;
    const second = new FeedClient(`${ws}/ws/events?since_tx=${resumeFrom}&token=${master}`);
    await Promise.all(uploads);
    await second.waitFor((e) => e.length + received.length >= total, "the rest of the burst");
    const all = txs([...received, ...second.events]);
    expect(all).toEqual(Array.from({ length: total }, (_, i) => start + 1 + i));
    await second.close();
  }, 120_000);

  test("a prefix key sees only events under its prefix", async () => {
    const key = await createKey({ name: "docs only", prefix: "docs/", scopes: ["files:read"] });
    const client = new FeedClient(`${ws}/ws/events?token=${key.token}`);
    expect(await client.opened).toBe(101);
    await upload(master, "secret/plan.txt");
    await upload(master, "docs/readme.md");
    await api("POST", "/files/move", master, { from: "secret/plan.txt", to: "docs/plan.txt" });
    await upload(master, "secret/other.txt");
    await upload(master, "docs/last.md");
    await client.waitFor((e) => e.some((x) => x.path === "docs/last.md"), "docs/last.md");
    expect(client.events.map((e) => [e.action, e.path, e.dest])).toEqual([
      ["upload", "docs/readme.md", undefined],
      // Moved in from outside the prefix: the source is redacted, as in /files/log.
      ["move", null, "docs/plan.txt"],
      ["upload", "docs/last.md", undefined],
    ]);
    // A prefix outside the key's own is refused before the upgrade.
    expect(await new FeedClient(`${ws}/ws/events?prefix=secret/&token=${key.token}`).opened).toBe(403);
    await client.close();
  });

  test("a test key sees only the test space, on /ws/events and /ws/test", async () => {
    const key = await createKey({ name: "sandbox", environment: "test" });
    const onEvents = new FeedClient(`${ws}/ws/events?since_tx=0&token=${key.token}`);
    const onTest = new FeedClient(`${ws}/ws/test?since_tx=0&token=${key.token}`);
    expect(await onEvents.opened).toBe(101);
    expect(await onTest.opened).toBe(101);
    expect(await new FeedClient(`${ws}/ws/live?token=${key.token}`).opened).toBe(403);
    expect(await new FeedClient(`${ws}/ws/other?token=${key.token}`).opened).toBe(400);

    await upload(master, "live-only.txt");
    const testTx = await upload(key.token, "sandbox.txt");
    await onEvents.waitFor((e) => e.length >= 1, "the test upload");
    await onTest.waitFor((e) => e.length >= 1, "the test upload");
    // The test space has its own tx numbers, and the live upload never shows.
    expect(onEvents.events).toEqual([expect.objectContaining({ tx: testTx, path: "sandbox.txt" })]);
    expect(onTest.events).toEqual(onEvents.events);
    await onEvents.close();
    await onTest.close();
  });

  test("a revoked key's socket is closed with 1008", async () => {
    const key = await createKey({ name: "short-lived", scopes: ["files:read"] });
    const client = new FeedClient(`${ws}/ws/events?token=${key.token}`);
    expect(await client.opened).toBe(101);
    expect((await api("DELETE", `/auth/keys/${key.id}`, master)).status).toBe(200);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain("revoked");
  });

  test("a wrong or missing token is refused with 401 before the upgrade; a foreign page cannot use the cookie", async () => {
    expect(await new FeedClient(`${ws}/ws/events?token=lightd_${"x".repeat(30)}`).opened).toBe(401);
    expect(await new FeedClient(`${ws}/ws/events`).opened).toBe(401);
    const wrong = new FeedClient(`${ws}/ws/live`, { headers: { authorization: "Bearer lightd_nope_nope_nope_nope" } });
    expect(await wrong.opened).toBe(401);
    expect(await new FeedClient(`${ws}/ws/events?since_tx=-1&token=${master}`).opened).toBe(400);
    // A cursor after the newest tx (one from before a restore) is refused, not held open forever.
    expect(await new FeedClient(`${ws}/ws/events?since_tx=999999&token=${master}`).opened).toBe(400);
    // The session cookie opens the feed only from lightd's own pages (no cross-site hijacking).
    const cookie = `lightd_session=${master}`;
    const foreign = new FeedClient(`${ws}/ws/events`, { headers: { cookie, origin: "http://evil.example" } });
    expect(await foreign.opened).toBe(403);
    const own = new FeedClient(`${ws}/ws/events`, { headers: { cookie, origin: base } });
    expect(await own.opened).toBe(101);
    await own.close();
    // Without an Upgrade header the route explains itself instead of hanging.
    const plain = await fetch(`${base}/ws/events?token=${master}`);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: "upgrade_required" });
  });
});
