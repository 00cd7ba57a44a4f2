import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { S3Config } from "../../src/config";
import { cleanupE2E, makeTempDir, runCli, startServer } from "../fixtures/binary";
import { createTestBucket, ensureRgw, type RgwEnv, s3Settings, type TestBucket } from "../fixtures/rgw";

/**
 * The compiled binary with `storage.backend: "s3"` on a real Ceph RGW: it checks the bucket
 * before listening and refuses to start, with one line naming what failed, when it cannot
 * use it; with a good config the bytes of a one-step PUT land in the bucket.
 */

const rgw = await ensureRgw();

/** A 127.0.0.1 port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function writeConfig(dir: string, token: string, s3: S3Config): string {
  const path = join(dir, "config.json");
  const config = { authorization: { enabled: true, token }, storage: { backend: "s3", s3 } };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

if (rgw.env) s3Startup(rgw.env);
else test.skip(`lightd on S3 start-up (skipped: ${rgw.skip})`, () => {});

function s3Startup(env: RgwEnv): void {
  const token = `lightd_${randomBytes(24).toString("hex")}`;
  let bucket: TestBucket;
  beforeAll(async () => {
    bucket = await createTestBucket(env, "lightd-e2e");
  });
  afterAll(async () => {
    await cleanupE2E();
    await bucket?.destroy();
  });

  /** Runs `lightd serve` on a config that must be refused; returns its stderr. */
  async function refused(s3: S3Config): Promise<string> {
    const dir = makeTempDir();
    const configPath = writeConfig(dir, token, s3);
    const result = await runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--config", configPath], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(result.code).toBeGreaterThan(0); // -1 would mean it kept running
    expect(result.stdout).not.toContain('"listening"');
    // One line for the operator, no stack trace.
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toStartWith("lightd: S3 storage check failed: ");
    return result.stderr;
  }

  describe("lightd refuses to start on an S3 bucket it cannot use", () => {
    test("wrong endpoint (a closed 127.0.0.1 port)", async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const stderr = await refused(s3Settings(env, bucket.name, { endpoint }));
      expect(stderr).toContain(`S3 endpoint unreachable: ${endpoint}`);
    });

    test("wrong secret key", async () => {
      const stderr = await refused(s3Settings(env, bucket.name, { secret_access_key: "not-the-secret-key-0000" }));
      expect(stderr).toContain(`S3 bucket '${bucket.name}' at ${env.endpoint}: credentials rejected`);
    });

    test("missing bucket", async () => {
      const stderr = await refused(s3Settings(env, "lightd-no-such-bucket"));
      expect(stderr).toContain("S3 bucket 'lightd-no-such-bucket'");
      expect(stderr).toContain("bucket does not exist");
    });
  });

  test("a correct config: listens, and a one-step PUT round-trips through the bucket", async () => {
    const dir = makeTempDir();
    writeConfig(dir, token, s3Settings(env, bucket.name, { key_prefix: "e2e/" }));
    const server = await startServer({ dir });
    const auth = { authorization: `Bearer ${token}` };
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const put = await fetch(`${server.url}/files/e2e/blob.bin`, { method: "PUT", headers: auth, body });
    expect(put.status).toBe(200);
    expect((await put.json()).size).toBe(body.length);

    const redirect = await fetch(`${server.url}/files/e2e/blob.bin`, { headers: auth, redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") as string;
    expect(location).toStartWith(`${env.endpoint}/${bucket.name}/e2e/`);
    const got = await fetch(location);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);

    // The bytes sit in the bucket under key_prefix and an internal id, not the user's path.
    const listed = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: "e2e/" }));
    expect(listed.Contents?.map((o) => o.Size)).toEqual([body.length]);
    expect(listed.Contents?.[0]?.Key).not.toContain("blob.bin");
    expect(await server.stop()).toBe(0);
  });

  test("a bucket that stops answering mid-run: a read waiting on it ends in a JSON 503, not a cut connection", async () => {
    // A TCP relay to RGW that can go silent: connections still open, no byte comes back.
    const rgwUrl = new URL(env.endpoint);
    let silent = false;
    type Side = { peer?: Bun.Socket<Side>; queued: Uint8Array[] };
    const relay = Bun.listen<Side>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        async open(client) {
          client.data = { queued: [] };
          const upstream = await Bun.connect<Side>({
            hostname: rgwUrl.hostname,
            port: Number(rgwUrl.port),
            data: { peer: client, queued: [] },
            socket: {
              data: (_s, bytes) => void (silent || client.write(bytes)),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          });
          client.data.peer = upstream;
          for (const bytes of client.data.queued) upstream.write(bytes);
        },
        data(client, bytes) {
          if (silent) return;
          if (client.data.peer) client.data.peer.write(bytes);
          else client.data.queued.push(new Uint8Array(bytes));
        },
        close: (client) => void client.data.peer?.end(),
      },
    });
    try {
      const dir = makeTempDir();
      const endpoint = `http://127.0.0.1:${relay.port}`;
      // Each silent attempt ends after 4 s; the SDK's three attempts outlast Bun's 10 s default idle timeout.
      writeConfig(
        dir,
        token,
        s3Settings(env, bucket.name, { endpoint, key_prefix: "stall/", socket_timeout_ms: 4000 }),
      );
      const server = await startServer({ dir });
      const auth = { authorization: `Bearer ${token}` };
      expect((await fetch(`${server.url}/files/kept.txt`, { method: "PUT", headers: auth, body: "kept" })).status).toBe(
        200,
      );
      silent = true;
      const res = await fetch(`${server.url}/files/kept.txt?redirect=false`, { headers: auth });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe("service_unavailable");
      silent = false;
      const again = await fetch(`${server.url}/files/kept.txt?redirect=false`, { headers: auth });
      expect(await again.text()).toBe("kept");
      await server.stop();
    } finally {
      relay.stop(true);
    }
  }, 60_000);
}
