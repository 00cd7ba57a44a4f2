/**
 * Scale-out on the compiled binary: two lightd instances with the same config.json on one
 * Postgres (metadata) and one Ceph RGW bucket (bytes), behind HAProxy. What used to be per
 * process must now hold across instances: tx numbers per space, single-use tokens, rate-limit
 * buckets, the change feed (LISTEN/NOTIFY), and background work done once (webhook delivery).
 * Requests that must land on both instances go to each directly; the rest through HAProxy.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server, Subprocess } from "bun";
import { cleanupE2E, makeTempDir, pollUntil, type RunningServer, startServer, trackProcess } from "../fixtures/binary";
import { FeedClient, txs } from "../fixtures/feed-client";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { createTestBucket, ensureRgw, freePort, s3Settings, type TestBucket } from "../fixtures/rgw";

const pg = await ensurePostgres();
const rgw = await ensureRgw();
const haproxy = Bun.which("haproxy") ?? (Bun.which("haproxy", { PATH: "/usr/sbin:/sbin" }) || null);
const skip = pg.skip ?? rgw.skip ?? (haproxy ? undefined : "no haproxy (apt-get install haproxy)");

const master = `lightd_${randomBytes(24).toString("hex")}`;
let db: TestDatabase | undefined;
let bucket: TestBucket | undefined;
let nodes: RunningServer[] = [];
let balancer: Subprocess | undefined;
let front = "";

/** The same config.json for every instance: one signing secret, one database, one bucket. */
function writeConfig(dir: string, url: string, bucketName: string): void {
  const env = rgw.env as NonNullable<typeof rgw.env>;
  const config = {
    authorization: { enabled: true, token: master },
    signing_secret: "cluster-signing-secret-0123456789abcdef0123456789",
    metadata: { engine: "postgres", url, max_connections: 8 },
    storage: { backend: "s3", s3: s3Settings(env, bucketName, { key_prefix: "cluster/" }) },
    webhooks: { allow_private: true },
    // Registration is charged per client IP before its body is read: every request here
    // comes from 127.0.0.1 (through HAProxy), so all of them share one bucket of 10.
    // The token races below fail many authentications from 127.0.0.1, which the shared
    // failure bucket would otherwise count against every later request.
    rate_limits: { register: { burst: 10, per_minute: 0.01 }, auth_failures: { burst: 1000, per_minute: 1000 } },
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config), { mode: 0o600 });
}

async function startBalancer(ports: number[]): Promise<string> {
  const port = await freePort();
  const dir = makeTempDir();
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  maxconn 2000",
      "defaults",
      "  mode http",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "  timeout tunnel 1h",
      "frontend lightd",
      `  bind 127.0.0.1:${port}`,
      "  default_backend instances",
      "backend instances",
      "  balance roundrobin",
      "  option httpchk GET /api/v1/public/ping",
      ...ports.map((p, i) => `  server node${i} 127.0.0.1:${p} check inter 300ms`),
      "",
    ].join("\n"),
  );
  balancer = Bun.spawn([haproxy as string, "-db", "-f", cfg], { stdout: "ignore", stderr: "pipe" });
  trackProcess(balancer);
  const url = `http://127.0.0.1:${port}`;
  // Ready once HAProxy answers and has seen both instances healthy: a full round of /ping.
  const ready = await pollUntil(async () => {
    const answers = await Promise.all(
      ports.map(() =>
        fetch(`${url}/api/v1/public/ping`).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    return answers.every((s) => s === 200);
  }, 20_000);
  if (!ready) throw new Error("HAProxy did not forward to the instances");
  return url;
}

beforeAll(async () => {
  if (skip) return;
  db = await createTestDatabase(pg.url as string, "cluster");
  bucket = await createTestBucket(rgw.env as NonNullable<typeof rgw.env>, "lightd-cluster");
  const dirs = [makeTempDir(), makeTempDir()];
  for (const dir of dirs) writeConfig(dir, db.url, bucket.name);
  // Started together: the schema is migrated once, under the advisory lock.
  nodes = await Promise.all(dirs.map((dir) => startServer({ dir, readyTimeoutMs: 60_000 })));
  front = await startBalancer(nodes.map((n) => n.port));
}, 180_000);

afterAll(async () => {
  // The balancer first: a connection it still holds open would hold up an instance's stop.
  balancer?.kill();
  await balancer?.exited;
  await Promise.all(nodes.map((n) => n.stop()));
  await cleanupE2E();
  await db?.drop();
  // An instance may take its whole graceful window (30 s) to finish requests in flight.
}, 60_000);

const run = test.skipIf(!!skip);
const auth = (token = master) => ({ authorization: `Bearer ${token}` });
const at = (i: number) => (nodes[i % nodes.length] as RunningServer).url;

async function put(base: string, path: string, body: string, token = master): Promise<number> {
  const response = await fetch(`${base}/files/${path}`, { method: "PUT", headers: auth(token), body });
  expect(response.status).toBe(200);
  return ((await response.json()) as { tx: number }).tx;
}

run("both instances migrated one schema and serve the same files through HAProxy", async () => {
  expect(nodes[0]?.logs().some((l) => l.msg === "metadata" && l.engine === "postgres")).toBe(true);
  await put(at(0), "hello.txt", "from node 0");
  const answers = await Promise.all([0, 1, 2, 3].map(() => fetch(`${front}/files/hello.txt`, { headers: auth() })));
  for (const answer of answers) expect(await answer.text()).toBe("from node 0");
  expect((await fetch(`${at(1)}/files/hello.txt`, { headers: auth() })).status).toBe(200);
});

run("concurrent writers on both instances: tx numbers without gaps or duplicates, events in order", async () => {
  const before = (
    (await (await fetch(`${at(0)}/files/log?since_tx=0&limit=1000`, { headers: auth() })).json()) as {
      events: { tx: number }[];
    }
  ).events.length;
  // Uploads, folder creations, moves and deletes, alternating instances.
  const writes = Array.from({ length: 40 }, (_, i) => put(at(i), `race/f${i}.txt`, `body ${i}`));
  const uploaded = await Promise.all(writes);
  const more = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const base = at(i + 1);
      const response =
        i % 2 === 0
          ? await fetch(`${base}/files/move`, {
              method: "POST",
              headers: { ...auth(), "content-type": "application/json" },
              body: JSON.stringify({ from: `race/f${i}.txt`, to: `race/moved-${i}.txt` }),
            })
          : await fetch(`${base}/files/race/f${i}.txt`, { method: "DELETE", headers: auth() });
      expect(response.status).toBe(200);
      return ((await response.json()) as { tx: number }).tx;
    }),
  );
  const all = [...uploaded, ...more].sort((a, b) => a - b);
  expect(new Set(all).size).toBe(60);
  expect((all[59] as number) - (all[0] as number)).toBe(59);
  const log = (await (await fetch(`${at(1)}/files/log?since_tx=0&limit=1000`, { headers: auth() })).json()) as {
    events: { tx: number }[];
  };
  const numbers = log.events.map((e) => e.tx);
  expect(numbers.length).toBe(before + 60);
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
});

run("a single-use token raced on both instances authenticates exactly once", async () => {
  for (let round = 0; round < 3; round++) {
    const minted = await fetch(`${front}/auth/tokens`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ ttl: "1h", remove_on_use: true }),
    });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => fetch(`${at(i)}/files`, { headers: auth(token) }).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([200, ...Array<number>(11).fill(401)]);
  }
});

run("a rate limit hit through the balancer counts every instance's requests", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 16; i++) {
    const response = await fetch(`${front}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    statuses.push(response.status);
    await response.body?.cancel();
  }
  // HAProxy alternated instances; one shared bucket of 10 allowed 10 in all (two private ones would allow 16).
  expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
});

run("a change committed on one instance reaches a WebSocket on the other", async () => {
  const ws = at(1).replace("http://", "ws://");
  const client = new FeedClient(`${ws}/ws/events?prefix=feed/&token=${master}`);
  expect(await client.opened).toBe(101);
  await Bun.sleep(0);
  const tx = await put(at(0), "feed/a.txt", "from node 0");
  await client.waitFor((events) => txs(events).includes(tx), `tx ${tx} on the other instance`);
  expect(client.events.find((e) => e.tx === tx)?.path).toBe("feed/a.txt");
  await client.close();
});

run("webhooks are sent by one instance: every change once, whichever instance made it", async () => {
  const received: { id: string; tx: number }[] = [];
  const receiver: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const body = JSON.parse(await request.text()) as { data: { tx: number } };
      received.push({ id: request.headers.get("webhook-id") as string, tx: body.data.tx });
      return new Response(null, { status: 204 });
    },
  });
  try {
    const created = await fetch(`${at(0)}/hooks`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.port}/hook`, prefix: "hooked/" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => put(at(i), `hooked/h${i}.txt`, "x")));
    // Done when every delivery is recorded delivered (a sender records after the receiver answered).
    const deliveries = async () =>
      (
        (await (await fetch(`${at(1)}/hooks/${id}/deliveries`, { headers: auth() })).json()) as {
          deliveries: { status: string; attempts: number }[];
        }
      ).deliveries;
    const delivered = await pollUntil(
      async () => (await deliveries()).filter((d) => d.status === "delivered").length === 10,
      60_000,
      100,
    );
    expect(delivered).toBe(true);
    // One sender: each change reached the receiver once, in one attempt.
    expect(received.map((r) => r.tx).sort((a, b) => a - b)).toEqual([...made].sort((a, b) => a - b));
    expect(new Set(received.map((r) => r.id)).size).toBe(10);
    expect((await deliveries()).map((d) => d.attempts)).toEqual(Array<number>(10).fill(1));
  } finally {
    await receiver.stop(true);
  }
});

if (skip) test.skip(`lightd cluster on Postgres + RGW behind HAProxy (skipped: ${skip})`, () => {});
