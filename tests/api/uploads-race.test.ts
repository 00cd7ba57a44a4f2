import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";
import { testUnless } from "../fixtures/skip";

/**
 * Committed bytes never change. Many PUTs race on one signed upload URL: lightd's own URL
 * (local store) lets exactly one write and answers 409 to the rest; an S3 presigned URL takes
 * them all, and completing seals the bytes under a key no URL names. Either way downloads
 * serve exactly what the metadata says, and a writer that comes after completion changes nothing.
 */
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const OCTETS = { "content-type": "application/octet-stream" };

/** Body `i`: a distinct size and fill, so whichever write won is recognisable. */
const bodyOf = (i: number) => new Uint8Array(1024 * (i + 1) + i).fill(i + 1);

forEachBackend(raceTests);

function raceTests(backend: Backend) {
  const t = makeTestApp({ backend });
  afterAll(() => t.close());

  async function createUpload(path: string): Promise<string> {
    const res = await t.request("POST", "/files/uploads", { json: { path } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { url: string }).url;
  }

  async function served(path: string): Promise<{ bytes: Uint8Array; meta: { size: number; etag: string } }> {
    const meta = (await (
      await t.request("GET", `/files/${path}`, { headers: { accept: "application/json" } })
    ).json()) as {
      size: number;
      etag: string;
      url: string;
    };
    const res = await t.follow(meta.url);
    expect(res.status).toBe(200);
    return { bytes: new Uint8Array(await res.arrayBuffer()), meta };
  }

  const putAll = (url: string, bodies: Uint8Array<ArrayBuffer>[]) =>
    Promise.all(bodies.map((body) => t.follow(url, { method: "PUT", body, headers: OCTETS })));

  test("16 concurrent PUTs to one signed URL, complete, 8 late PUTs: downloads serve what the metadata says", async () => {
    const url = await createUpload("race.bin");
    const bodies = Array.from({ length: 16 }, (_, i) => bodyOf(i));
    const results = await putAll(url, bodies);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    let winner: Uint8Array | undefined;
    if (backend.kind === "local") {
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(15);
      for (const res of results.filter((r) => r.status === 409)) {
        expect(await res.json()).toMatchObject({ error: "conflict" });
      }
      winner = bodies[statuses.indexOf(200)];
    }
    const done = await t.request("POST", "/files/uploads/complete", { json: { path: "race.bin" } });
    expect(done.status).toBe(200);
    const committed = (await done.json()) as { size: number };

    const first = await served("race.bin");
    expect(first.bytes.byteLength).toBe(committed.size);
    expect(first.meta.size).toBe(committed.size);
    expect(first.meta.etag).toBe(backend.etagOf(first.bytes));
    // The bytes are exactly one writer's body, never a mix.
    expect(bodies.some((b) => sha(b) === sha(first.bytes))).toBe(true);
    if (winner) expect(sha(first.bytes)).toBe(sha(winner));

    const late = await putAll(
      url,
      Array.from({ length: 8 }, (_, i) => bodyOf(20 + i)),
    );
    if (backend.kind === "local") expect(late.map((r) => r.status)).toEqual(Array(8).fill(409));
    else expect(late.filter((r) => r.status >= 500)).toEqual([]);

    const after = await served("race.bin");
    expect(sha(after.bytes)).toBe(sha(first.bytes));
    // The download URL is signed anew on every request (S3 signs the current second into it).
    const withoutUrl = ({ url: _url, ...rest }: Record<string, unknown>) => rest;
    expect(withoutUrl(after.meta)).toEqual(withoutUrl(first.meta));
    const head = await t.request("HEAD", "/files/race.bin");
    expect(head.headers.get("content-length")).toBe(String(committed.size));
  });

  // S3 presigned PUTs need a Content-Length, so a body held open mid-stream cannot be sent there;
  // on S3 the late writer of the test above is the slow one, and the seal keeps it out.
  testUnless(backend.kind === "s3" ? "S3 presigned PUTs need a Content-Length, so no body can be held open" : null)(
    "a slow PUT holds the URL: a fast one is refused at once, and after completion nothing else lands",
    async () => {
      const url = await createUpload("slow.bin");
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slowBytes = bodyOf(3);
      let sent = false;
      const slowBody = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent) return controller.close();
          await gate;
          controller.enqueue(slowBytes);
          sent = true;
        },
      });
      const slow = t.follow(url, { method: "PUT", body: slowBody, headers: OCTETS, duplex: "half" } as RequestInit);
      // The store holds the key once it has opened the slow write's temp file.
      const tmp = join(t.dir, "data", "blobs", "tmp");
      while (readdirSync(tmp).length === 0) await Bun.sleep(5);

      const fast = await t.follow(url, { method: "PUT", body: bodyOf(1), headers: OCTETS });
      expect(fast.status).toBe(409);
      expect(await fast.json()).toMatchObject({ error: "conflict" });
      // Nothing has arrived yet, so there is nothing to complete.
      expect((await t.request("POST", "/files/uploads/complete", { json: { path: "slow.bin" } })).status).toBe(400);

      release();
      expect((await slow).status).toBe(200);
      expect((await t.request("POST", "/files/uploads/complete", { json: { path: "slow.bin" } })).status).toBe(200);
      const again = await t.follow(url, { method: "PUT", body: bodyOf(5), headers: OCTETS });
      expect(again.status).toBe(409);
      const { bytes, meta } = await served("slow.bin");
      expect(sha(bytes)).toBe(sha(slowBytes));
      expect(meta.size).toBe(slowBytes.byteLength);
    },
  );
}

describe("a failed exclusive write frees the URL for a retry", () => {
  const t = makeTestApp();
  afterAll(() => t.close());
  test("a PUT that dies mid-body leaves no claim behind", async () => {
    const res = await t.request("POST", "/files/uploads", { json: { path: "retry.bin" } });
    const { url } = (await res.json()) as { url: string };
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("client went away"));
      },
    });
    const failed = await t.follow(url, { method: "PUT", body: broken, headers: OCTETS, duplex: "half" } as RequestInit);
    expect(failed.status).toBe(400);
    const retry = await t.follow(url, { method: "PUT", body: bodyOf(2), headers: OCTETS });
    expect(retry.status).toBe(200);
  });
});
