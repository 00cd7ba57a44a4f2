import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { cleanupE2E, makeTempDir, type RunningServer, startServer, trackProcess } from "../fixtures/binary";

/** The change feed as Server-Sent Events, read with `curl -N` as the README shows it. */

let server: RunningServer;
let base = "";
let master = "";

beforeAll(async () => {
  const dir = makeTempDir();
  master = `lightd_${randomBytes(24).toString("hex")}`;
  writeFileSync(join(dir, "config.json"), JSON.stringify({ authorization: { enabled: true, token: master } }), {
    mode: 0o600,
  });
  server = await startServer({ dir });
  base = server.url;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

/** `curl -sS -N <args>` whose output the test reads while it streams. */
class Curl {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  text = "";
  readonly done: Promise<number>;
  #changed: Array<() => void> = [];

  constructor(args: string[]) {
    const proc = spawn(["curl", "-sS", "-N", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.proc = proc;
    trackProcess(proc);
    const pump = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) {
        this.text += decoder.decode(chunk, { stream: true });
        for (const wake of this.#changed.splice(0)) wake();
      }
      for (const wake of this.#changed.splice(0)) wake();
    })();
    this.done = pump.then(() => proc.exited);
  }

  /** The `id:`/`data:` events received so far. */
  events(): Array<{ id: number; data: Record<string, unknown> }> {
    return [...this.text.matchAll(/^id: (\d+)\ndata: (.*)$/gm)].map((m) => ({
      id: Number(m[1]),
      data: JSON.parse(m[2] as string),
    }));
  }

  async waitFor(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (this.proc.exitCode !== null) throw new Error(`curl exited while waiting for ${what}:\n${this.text}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.text}`);
      await Promise.race([new Promise<void>((r) => this.#changed.push(r)), this.proc.exited, Bun.sleep(250)]);
    }
  }

  async stop(): Promise<void> {
    this.proc.kill();
    await this.done;
  }
}

async function upload(token: string, path: string): Promise<number> {
  const response = await fetch(`${base}/files/${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
    body: path,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { tx: number }).tx;
}

describe("SSE /events", () => {
  test("curl -N streams the replay and live events; Last-Event-ID resumes", async () => {
    const a = await upload(master, "sse/a.txt");
    const b = await upload(master, "sse/b.txt");
    const stream = new Curl([`${base}/events?since_tx=0`, "-H", `Authorization: Bearer ${master}`]);
    await stream.waitFor(() => stream.events().length >= 2, "the replay");
    const c = await upload(master, "sse/c.txt");
    await stream.waitFor(() => stream.events().length >= 3, "the live upload");
    expect(stream.events().map((e) => e.id)).toEqual([a, b, c]);
    expect(stream.events()[2]?.data).toMatchObject({ tx: c, action: "upload", path: "sse/c.txt", msg: null });
    await stream.stop();

    // What a browser's EventSource sends on reconnect: the last id it saw.
    const d = await upload(master, "sse/d.txt");
    const resumed = new Curl([`${base}/events?token=${master}`, "-H", `Last-Event-ID: ${b}`]);
    await resumed.waitFor(() => resumed.events().length >= 2, "the events after Last-Event-ID");
    expect(resumed.events().map((e) => e.id)).toEqual([c, d]);
    await resumed.stop();
  });

  test("a revoked key's stream ends with a close event (1008)", async () => {
    const created = await fetch(`${base}/auth/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${master}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "sse", scopes: ["files:read"] }),
    });
    const key = (await created.json()) as { id: string; token: string };
    const stream = new Curl([`${base}/events`, "-H", `Authorization: ApiKey ${key.token}`]);
    await stream.waitFor(() => stream.text.includes(": connected"), "the stream to open");
    await fetch(`${base}/auth/keys/${key.id}`, { method: "DELETE", headers: { authorization: `Bearer ${master}` } });
    expect(await stream.done).toBe(0);
    expect(stream.text).toContain('event: close\ndata: {"code":1008,"reason":"credential revoked or expired"}');
  });

  test("bad credentials and a bad Last-Event-ID are plain JSON errors", async () => {
    const noToken = await fetch(`${base}/events`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ error: "unauthorized" });
    const badId = await fetch(`${base}/events`, {
      headers: { authorization: `Bearer ${master}`, "last-event-id": "12; DROP" },
    });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ error: "bad_request" });
    const badPrefix = await fetch(`${base}/events?prefix=a/../b`, { headers: { authorization: `Bearer ${master}` } });
    expect(badPrefix.status).toBe(400);
  });
});
