import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { Webhook } from "standardwebhooks";
import { cleanupE2E, makeTempDir, pollUntil, type RunningServer, startServer } from "../fixtures/binary";

/**
 * Webhooks from the compiled binary to a receiver that verifies every delivery with the npm
 * `standardwebhooks` library, including a receiver that is down while lightd restarts.
 */

interface Received {
  id: string;
  tx: number;
  type: string;
  path: string;
}

/** A webhook receiver on 127.0.0.1 that accepts only correctly signed deliveries. */
class Receiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  server: Server<undefined> | null = null;
  port = 0;
  #waiters: Array<() => void> = [];

  constructor(private secret = "") {}

  useSecret(secret: string): void {
    this.secret = secret;
  }

  start(port = 0): void {
    this.server = Bun.serve({
      port,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const body = await request.text();
        try {
          const verified = new Webhook(this.secret).verify(body, Object.fromEntries(request.headers)) as {
            type: string;
            data: { tx: number; path: string };
          };
          this.received.push({
            id: request.headers.get("webhook-id") as string,
            tx: verified.data.tx,
            type: verified.type,
            path: verified.data.path,
          });
        } catch (error) {
          this.rejected.push(String(error));
          return new Response("bad signature", { status: 400 });
        }
        for (const wake of this.#waiters.splice(0)) wake();
        return new Response(null, { status: 204 });
      },
    });
    this.port = this.server.port as number;
  }

  async stop(): Promise<void> {
    await this.server?.stop(true);
    this.server = null;
  }

  async waitFor(count: number, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (have ${this.received.length})`);
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), Bun.sleep(Math.min(left, 500))]);
    }
  }
}

let dir = "";
let server: RunningServer;
let base = "";
let master = "";

async function api(method: string, path: string, body?: unknown, token = master): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function upload(path: string): Promise<number> {
  const response = await fetch(`${base}/files/${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${master}` },
    body: path,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { tx: number }).tx;
}

async function start(): Promise<void> {
  server = await startServer({ dir });
  base = server.url;
}

beforeAll(async () => {
  dir = makeTempDir();
  master = `lightd_${randomBytes(24).toString("hex")}`;
  // Tests deliver to a receiver on 127.0.0.1, which lightd refuses by default.
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ authorization: { enabled: true, token: master }, webhooks: { allow_private: true } }),
    { mode: 0o600 },
  );
  await start();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

describe("webhooks", () => {
  test("deliveries are signed per Standard Webhooks and filtered by prefix and action", async () => {
    const receiver = new Receiver();
    receiver.start();
    const created = await api("POST", "/hooks", {
      url: `http://127.0.0.1:${receiver.port}/hook`,
      prefix: "reports/",
      actions: ["upload", "delete"],
    });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string; secret: string; prefix: string; actions: string[] };
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook).toMatchObject({ prefix: "reports/", actions: ["upload", "delete"] });
    receiver.useSecret(hook.secret);

    await upload("elsewhere/skip.txt");
    const tx = await upload("reports/q1.pdf");
    await api("POST", "/files/mkdir", { path: "reports/drafts/" });
    const deleted = (await (await api("DELETE", "/files/reports/q1.pdf")).json()) as { tx: number };
    await receiver.waitFor(2, "the upload and the delete");
    expect(receiver.received.map((r) => [r.tx, r.type, r.path])).toEqual([
      [tx, "file.upload", "reports/q1.pdf"],
      [deleted.tx, "file.delete", "reports/q1.pdf"],
    ]);
    expect(receiver.rejected).toEqual([]);

    // The secret is shown once: listings never carry it.
    const listed = (await (await api("GET", "/hooks")).json()) as { hooks: Array<Record<string, unknown>> };
    expect(listed.hooks.find((h) => h.id === hook.id)).not.toHaveProperty("secret");
    type Deliveries = { deliveries: Array<{ id: string; tx: number; status: string; last_status: number }> };
    const readDeliveries = async () => (await (await api("GET", `/hooks/${hook.id}/deliveries`)).json()) as Deliveries;
    // The receiver has its 204s; lightd records each a moment later, after the answer is back.
    let deliveries: Deliveries = { deliveries: [] };
    await pollUntil(async () => {
      deliveries = await readDeliveries();
      return deliveries.deliveries.every((d) => d.status !== "pending");
    }, 10_000);
    expect(deliveries.deliveries.map((d) => [d.tx, d.status, d.last_status])).toEqual([
      [deleted.tx, "delivered", 204],
      [tx, "delivered", 204],
    ]);
    expect(deliveries.deliveries.map((d) => d.id).sort()).toEqual(receiver.received.map((r) => r.id).sort());

    expect((await api("DELETE", `/hooks/${hook.id}`)).status).toBe(200);
    expect((await api("GET", `/hooks/${hook.id}/deliveries`)).status).toBe(404);
    await receiver.stop();
  });

  test("a receiver down across a lightd restart gets every delivery afterwards, in order", async () => {
    const receiver = new Receiver();
    receiver.start();
    const port = receiver.port;
    const created = (await (await api("POST", "/hooks", { url: `http://127.0.0.1:${port}/in` })).json()) as {
      id: string;
      secret: string;
    };
    receiver.useSecret(created.secret);
    const first = await upload("down/0.txt");
    await receiver.waitFor(1, "the first delivery");
    await receiver.stop();

    const sent = [first];
    for (let i = 1; i <= 5; i++) sent.push(await upload(`down/${i}.txt`));
    // lightd has tried, failed and scheduled a retry before it is restarted.
    const failedOnce = async () => {
      const list = (await (await api("GET", `/hooks/${created.id}/deliveries`)).json()) as {
        deliveries: Array<{ tx: number; attempts: number; status: string; last_error: string | null }>;
      };
      const head = list.deliveries.find((d) => d.tx === sent[1]);
      return head !== undefined && head.attempts >= 1 && head.status === "pending" && head.last_error !== null;
    };
    const deadline = Date.now() + 30_000;
    while (!(await failedOnce())) {
      if (Date.now() > deadline) throw new Error("no failed attempt was recorded");
      await Bun.sleep(100);
    }

    expect(await server.stop()).toBe(0);
    await start();
    for (let i = 6; i <= 7; i++) sent.push(await upload(`down/${i}.txt`));

    receiver.start(port);
    await receiver.waitFor(sent.length, "every delivery after the receiver came back");
    expect(receiver.received.map((r) => r.tx)).toEqual(sent);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(sent.length);
    expect(receiver.rejected).toEqual([]);
    await receiver.stop();
  }, 120_000);

  test("hostile hook requests are clear 4xx errors", async () => {
    const cases: Array<[unknown, number]> = [
      [{ url: "ftp://example.com/x" }, 400],
      [{ url: "not a url" }, 400],
      [{ url: "http://user:pw@127.0.0.1/x" }, 400],
      [{ url: "http://127.0.0.1/x", actions: ["explode"] }, 400],
      [{ url: "http://127.0.0.1/x", actions: [] }, 400],
      [{ url: "http://127.0.0.1/x", prefix: "a/../b" }, 400],
      [{}, 400],
    ];
    for (const [body, status] of cases) {
      const response = await api("POST", "/hooks", body);
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), status]);
      expect(((await response.json()) as { error: string }).error).toBeString();
    }
    expect((await api("DELETE", "/hooks/hook_missing")).status).toBe(404);
    expect((await fetch(`${base}/hooks`)).status).toBe(401);
  });
});
