/**
 * Webhook delivery as one queue in Postgres shared by instances: two instances (each its own
 * pool, change feed and dispatcher, as two lightd processes have) deliver side by side to a
 * real receiver that verifies every signature with the npm `standardwebhooks` library. Each
 * delivery goes out once; one claimed by an instance that dies is sent by another once its
 * lease has run out, and the dead claim can no longer record anything.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Server } from "bun";
import { Webhook } from "standardwebhooks";
import { createApp } from "../../src/app";
import { ConfigStore, parseConfig } from "../../src/config";
import { memoryLogger } from "../../src/lib/logger";
import { SecretBox } from "../../src/lib/sealed";
import { HookDispatcher, LEASE_MS } from "../../src/modules/hooks/dispatcher";
import { type BuiltServices, buildServices } from "../../src/services";
import { openPostgresMetadata } from "../../src/storage/db/postgres";
import type { PostgresMetadata } from "../../src/storage/db/postgres/metadata";
import { pollUntil } from "../fixtures/binary";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { scratchDirs } from "../fixtures/scratch";

const pg = await ensurePostgres();
const run = test.skipIf(!pg.url);
const MASTER = "lightd_webhookqueuemastertoken0123456789abcdef";
const SIGNING = "webhook-queue-signing-secret-0123456789abcdef0123";

interface Instance {
  metadata: PostgresMetadata;
  services: BuiltServices;
  request(method: string, path: string, json?: unknown): Promise<Response>;
}

let db: TestDatabase | undefined;
const instances: Instance[] = [];
const scratch = scratchDirs();
const dispatchers: HookDispatcher[] = [];

async function instance(url: string): Promise<Instance> {
  const metadata = await openPostgresMetadata({ url, max_connections: 4 });
  const dir = scratch.make("hookq");
  const config = parseConfig(
    {
      authorization: { enabled: true, token: MASTER },
      storage: { backend: "local", dir: join(dir, "data") },
      signing_secret: SIGNING,
      webhooks: { allow_private: true },
    },
    "test config",
  );
  const services = buildServices({
    config: new ConfigStore(config, join(dir, "config.json")),
    dataDir: join(dir, "data"),
    logger: memoryLogger(),
    metadata,
    coordination: metadata.coordination,
  });
  const app = createApp(services);
  return {
    metadata,
    services,
    request: (method, path, json) =>
      app.handle(
        new Request(`http://lightd.test${path}`, {
          method,
          headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
          body: json === undefined ? undefined : typeof json === "string" ? json : JSON.stringify(json),
        }),
      ),
  };
}

/** A dispatcher as an instance runs it, with its own clock and a fetch that says who sent. */
function dispatcher(of: Instance, name: string, options: { now?: () => number; fetch?: typeof fetch } = {}) {
  const sender: typeof fetch = Object.assign(
    (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const headers = new Headers(init?.headers);
      headers.set("x-sender", name);
      return (options.fetch ?? fetch)(input, { ...init, headers });
    },
    { preconnect: fetch.preconnect },
  );
  const d = new HookDispatcher(of.metadata, of.services.hub, new SecretBox(SIGNING, "webhooks"), {
    allowPrivate: () => true,
    creatorLives: (creator) => of.services.verifier.creatorLives(creator),
    logger: memoryLogger(),
    userAgent: "lightd-webhooks",
    now: options.now,
    fetch: sender,
  });
  dispatchers.push(d);
  return d;
}

interface Received {
  hook: string;
  id: string;
  tx: number;
  sender: string;
}

/** A receiver verifying each delivery against its hook's secret (the path names the hook). */
function receiver(secrets: Map<string, string>, hold: (open: number) => Promise<void> = async () => {}) {
  const received: Received[] = [];
  const failures: string[] = [];
  let open = 0;
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      open++;
      try {
        const hook = new URL(request.url).pathname.slice(1);
        const body = await request.text();
        const verified = new Webhook(secrets.get(hook) as string).verify(body, Object.fromEntries(request.headers)) as {
          data: { tx: number };
        };
        const sender = request.headers.get("x-sender") as string;
        await hold(open);
        received.push({ hook, id: request.headers.get("webhook-id") as string, tx: verified.data.tx, sender });
        return new Response(null, { status: 204 });
      } catch (error) {
        failures.push(String(error));
        return new Response(null, { status: 400 });
      } finally {
        open--;
      }
    },
  });
  return { server, received, failures, url: `http://127.0.0.1:${server.port}` };
}

async function createHook(via: Instance, url: string, prefix: string): Promise<{ id: string; secret: string }> {
  const made = await via.request("POST", "/hooks", { url, prefix });
  expect(made.status).toBe(201);
  return (await made.json()) as { id: string; secret: string };
}

async function put(via: Instance, path: string): Promise<number> {
  const response = await via.request("PUT", `/files/${path}`, `body of ${path}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { tx: number }).tx;
}

beforeAll(async () => {
  if (!pg.url) return;
  db = await createTestDatabase(pg.url, "hookqueue");
  const url = db.url;
  instances.push(await instance(url), await instance(url));
});

afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  await Promise.all(instances.map((i) => i.metadata.close()));
  await db?.drop();
  scratch.remove();
});

run("two instances send from one queue: every delivery once, signed, both instances sending", async () => {
  const [a, b] = instances as [Instance, Instance];
  const secrets = new Map<string, string>();
  // Answers wait until 16 requests are open at once: a dispatcher has at most 8 in flight,
  // so that proves both instances were sending side by side.
  let release!: () => void;
  const together = new Promise<void>((resolve) => {
    release = resolve;
  });
  const rx = receiver(secrets, (open) => {
    if (open >= 16) release();
    return together;
  });
  try {
    // The receiver's path names the hook, so each delivery is checked with its own hook's secret.
    const hooks: { id: string; key: string }[] = [];
    for (let i = 0; i < 16; i++) {
      const key = `k${i}`;
      const { id, secret } = await createHook(i % 2 ? b : a, `${rx.url}/${key}`, "shared/");
      hooks.push({ id, key });
      secrets.set(key, secret);
    }
    dispatcher(a, "a").start();
    dispatcher(b, "b").start();
    // Changes through both instances.
    const made = [await put(a, "shared/one.txt"), await put(b, "shared/two.txt"), await put(a, "shared/three.txt")];
    const everyone = hooks.length * made.length;
    expect(await pollUntil(async () => rx.received.length + rx.failures.length >= everyone, 60_000, 50)).toBe(true);
    expect(rx.failures).toEqual([]);
    // Each (hook, tx) once, with one webhook-id each.
    const pairs = rx.received.map((r) => `${r.hook}:${r.tx}`);
    expect(new Set(pairs).size).toBe(everyone);
    expect(new Set(rx.received.map((r) => r.id)).size).toBe(everyone);
    for (const { key } of hooks) {
      const txsOfHook = rx.received.filter((r) => r.hook === key).map((r) => r.tx);
      // A hook's deliveries arrive in tx order, whichever instance sent each.
      expect(txsOfHook).toEqual([...made].sort((x, y) => x - y));
    }
    expect(new Set(rx.received.map((r) => r.sender))).toEqual(new Set(["a", "b"]));
    // Recorded delivered, each in one attempt. The receiver has its answers; an instance
    // records each a moment later, after the answer is back.
    for (const { id } of hooks) {
      const recorded = async () => (await b.metadata.read.hooks.deliveries(id, 10)).map((d) => [d.status, d.attempts]);
      await pollUntil(async () => (await recorded()).every(([status]) => status !== "pending"), 10_000, 50);
      expect(await recorded()).toEqual(made.map(() => ["delivered", 1]));
    }
  } finally {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    await rx.server.stop(true);
  }
});

run("a delivery claimed by an instance that died goes out from another once its lease ends", async () => {
  const [a, b] = instances as [Instance, Instance];
  const secrets = new Map<string, string>();
  const rx = receiver(secrets);
  try {
    const { id, secret } = await createHook(a, `${rx.url}/lease`, "lease/");
    secrets.set("lease", secret);
    // Instance A claims the delivery; its request never gets an answer, then A dies.
    let claimed!: () => void;
    const sent = new Promise<void>((resolve) => {
      claimed = resolve;
    });
    const hanging: typeof fetch = Object.assign(
      (_input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        claimed();
        return new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      },
      { preconnect: fetch.preconnect },
    );
    const t0 = Date.now();
    const dying = dispatcher(a, "a", { now: () => t0, fetch: hanging });
    dying.start();
    const tx = await put(b, "lease/file.txt");
    await sent;
    await dying.stop(); // as a crash would: the attempt is never recorded
    const [row] = await b.metadata.read.hooks.deliveries(id, 1);
    expect(row?.status).toBe("pending");
    expect(row?.attempts).toBe(0);
    const claimedUntil = row?.next_attempt_at as number;
    expect(claimedUntil).toBe(t0 + LEASE_MS);
    // While the lease holds nobody else claims it.
    const early = await b.metadata.write((w) =>
      w.hooks.claimDue({ now: t0 + LEASE_MS - 1, leaseUntil: t0 + 2 * LEASE_MS, limit: 8, busy: new Set() }),
    );
    expect(early.filter((d) => d.hook_id === id)).toEqual([]);
    // After it, instance B sends it (B's clock is past the lease).
    dispatcher(b, "b", { now: () => Date.now() + LEASE_MS }).start();
    expect(await pollUntil(async () => rx.received.length + rx.failures.length >= 1, 30_000, 50)).toBe(true);
    expect(rx.failures).toEqual([]);
    expect(rx.received.map((r) => [r.hook, r.tx, r.sender])).toEqual([["lease", tx, "b"]]);
    expect(
      await pollUntil(
        async () => (await b.metadata.read.hooks.deliveries(id, 1))[0]?.status === "delivered",
        30_000,
        50,
      ),
    ).toBe(true);
    // The dead instance's claim can record nothing any more.
    const late = await a.metadata.write((w) =>
      w.hooks.recordAttempt(row?.id as string, claimedUntil, {
        status: "pending",
        nextAttemptAt: claimedUntil + 5_000,
        httpStatus: null,
        error: "aborted",
        at: claimedUntil,
      }),
    );
    expect(late).toBe(false);
    const [after] = await b.metadata.read.hooks.deliveries(id, 1);
    expect([after?.status, after?.attempts]).toEqual(["delivered", 1]);
  } finally {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    await rx.server.stop(true);
  }
});
