/**
 * Issue 5's S3 benchmark: one large file (1 GiB of random bytes by default) moved to and
 * from a real Ceph RGW through S3BlobStore's presigned URLs (what lightd hands clients),
 * against the same transfer made with the AWS SDK directly (the ceiling). Transfers:
 * single PUT, multipart (parts in parallel), GET. Both sides run in this Bun process and
 * hit the same RGW, so the ratio is the cost of going through presigned URLs.
 * Then lightd itself (`src/main.ts` with `storage.backend: "s3"`, serve_downloads on): its
 * one-step `PUT /files/{path}` streaming the body through to RGW, a GET it streams back from
 * RGW through /blobs, and its peak RSS (VmHWM) over those transfers.
 *
 * RGW comes from S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY or is started by
 * tests/fixtures/rgw.ts. memstore keeps bytes in RAM: every object is deleted after its run.
 *
 *   bun run bench/run.ts s3 [--size-mib 1024] [--runs 3] [--part-mib 16] [--parallel 4]
 */
import { createReadStream, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { S3BlobStore } from "../src/storage/blob/s3";
import { createTestBucket, ensureRgw, s3Settings } from "../tests/fixtures/rgw";
import { authHeader, BENCH_MASTER, BENCH_SIGNING_SECRET, benchTmp, numericFlags, ROOT, run } from "./lib/lightd";
import { type RunningServer, startServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";

const flags = numericFlags({ "size-mib": 1024, runs: 3, "part-mib": 16, parallel: 4 });
const SIZE = flags["size-mib"] * 1024 * 1024;
const PART = flags["part-mib"] * 1024 * 1024;
const PARALLEL = flags.parallel;
const say = (text: string) => process.stderr.write(`  ${text}\n`);
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `task(i)` for i in 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.byteLength;
  return n;
}

function expectOk(res: Response, what: string): void {
  if (!res.ok) throw new Error(`${what} → HTTP ${res.status}`);
}

/** lightd from source on port 0, storing in `bucket` under its own key_prefix, serving downloads itself. */
function startLightdOnS3(dir: string, settings: ReturnType<typeof s3Settings>): Promise<RunningServer> {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "config.json");
  const config = {
    authorization: { enabled: true, token: BENCH_MASTER },
    storage: { backend: "s3", dir: join(dir, "data"), s3: settings },
    signing_secret: BENCH_SIGNING_SECRET,
    rate_limits: { enabled: false },
  };
  writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
  const cmd = [process.execPath, "run", "src/main.ts", "--port", "0", "--host", "127.0.0.1", "--config", configPath];
  return startServer("lightd", cmd, join(dir, "lightd.log"), { cwd: ROOT });
}

const parts = Math.ceil(SIZE / PART);
const range = (i: number) => ({ start: i * PART, end: Math.min(SIZE, (i + 1) * PART) });

async function main(): Promise<number> {
  const rgw = await ensureRgw();
  if (!rgw.env) {
    process.stderr.write(`bench/s3: ${rgw.skip}\n`);
    return 1;
  }
  const env = rgw.env;
  const tmp = benchTmp("s3");
  const bucket = await createTestBucket(env, "lightd-bench");
  const store = new S3BlobStore(s3Settings(env, bucket.name, { key_prefix: "bench/" }), {
    partSize: PART,
    queueSize: PARALLEL,
  });
  const sdk: S3Client = bucket.client;
  const B = bucket.name;
  const lightd = await startLightdOnS3(
    join(tmp, "lightd"),
    s3Settings(env, bucket.name, { key_prefix: "lightd/", serve_downloads: true }),
  );
  const rssAtStart = lightd.peakRssMiB();
  const lightdUrl = `http://127.0.0.1:${lightd.port}`;
  try {
    const src = join(tmp, "src.bin");
    say(`generating ${flags["size-mib"]} MiB of random data …`);
    await run(["sh", "-c", `head -c ${SIZE} /dev/urandom > '${src}'`]);
    const sourceMd5 = (await run(["md5sum", src])).out.split(" ")[0] as string;
    const file = Bun.file(src);

    const ways = {
      "put:presigned": async (key: string) => {
        const url = await store.signedUrl(key, { method: "PUT", expiresIn: 600, baseUrl: "" });
        expectOk(await fetch(url, { method: "PUT", body: file }), "presigned PUT");
      },
      "put:sdk": async (key: string) => {
        await sdk.send(
          new PutObjectCommand({ Bucket: B, Key: `bench/${key}`, Body: createReadStream(src), ContentLength: SIZE }),
        );
      },
      "multipart:presigned": async (key: string) => {
        const id = await store.createMultipart(key);
        const etags: string[] = [];
        await pool(parts, PARALLEL, async (i) => {
          const url = await store.signedPartUrl(key, id, i + 1, { expiresIn: 600, baseUrl: "" });
          const { start, end } = range(i);
          const res = await fetch(url, { method: "PUT", body: file.slice(start, end) });
          expectOk(res, `presigned part ${i + 1}`);
          etags[i] = res.headers.get("etag") as string;
        });
        await store.completeMultipart(
          key,
          id,
          etags.map((etag, i) => ({ partNumber: i + 1, etag })),
        );
      },
      "multipart:sdk": async (key: string) => {
        const id = await store.createMultipart(key);
        const etags: string[] = [];
        await pool(parts, PARALLEL, async (i) => {
          const { start, end } = range(i);
          const out = await sdk.send(
            new UploadPartCommand({
              Bucket: B,
              Key: `bench/${key}`,
              UploadId: id,
              PartNumber: i + 1,
              Body: createReadStream(src, { start, end: end - 1 }),
              ContentLength: end - start,
            }),
          );
          etags[i] = out.ETag as string;
        });
        await store.completeMultipart(
          key,
          id,
          etags.map((etag, i) => ({ partNumber: i + 1, etag })),
        );
      },
      "put:putStream": async (key: string) => {
        await store.putStream(key, file.stream());
      },
    };
    const gets = {
      presigned: async (key: string) => {
        const res = await fetch(await store.signedUrl(key, { method: "GET", expiresIn: 600, baseUrl: "" }));
        expectOk(res, "presigned GET");
        if ((await drain(res.body as ReadableStream<Uint8Array>)) !== SIZE)
          throw new Error("presigned GET: short body");
      },
      sdk: async (key: string) => {
        const out = await sdk.send(new GetObjectCommand({ Bucket: B, Key: `bench/${key}` }));
        if ((await drain(out.Body as AsyncIterable<Uint8Array>)) !== SIZE) throw new Error("SDK GET: short body");
      },
    };

    const figures: Record<string, number[]> = {};
    const record = (name: string, ms: number) => {
      figures[name] ??= [];
      figures[name].push(mbps(SIZE, ms));
    };
    let etagChecked = false;
    for (let r = 0; r < flags.runs; r++) {
      for (const [name, upload] of Object.entries(ways)) {
        const key = `run${r}-${name.replace(":", "-")}`;
        record(name, await timed(() => upload(key)));
        const stat = await store.head(key);
        if (stat.size !== SIZE) throw new Error(`${name}: stored ${stat.size} bytes, expected ${SIZE}`);
        if (name === "put:presigned" && !etagChecked) {
          if (stat.etag !== sourceMd5) throw new Error(`presigned PUT etag ${stat.etag} ≠ source md5 ${sourceMd5}`);
          etagChecked = true;
        }
        if (name === "put:presigned") {
          // Alternate which side reads first, so neither always meets a cold cache.
          const order = r % 2 === 0 ? (["presigned", "sdk"] as const) : (["sdk", "presigned"] as const);
          for (const way of order) record(`get:${way}`, await timed(() => gets[way](key)));
        }
        await store.delete(key);
      }
      // lightd: one-step PUT streamed through to RGW, then a GET lightd streams back from RGW.
      const path = `${lightdUrl}/files/bench/run${r}.bin`;
      record(
        "put:lightd",
        await timed(async () => {
          const res = await fetch(path, { method: "PUT", headers: authHeader, body: file });
          expectOk(res, "lightd PUT");
          const { size } = (await res.json()) as { size: number };
          if (size !== SIZE) throw new Error(`lightd PUT stored ${size} bytes, expected ${SIZE}`);
        }),
      );
      record(
        "get:lightd",
        await timed(async () => {
          const res = await fetch(path, { headers: authHeader }); // 302 → lightd's /blobs → RGW
          expectOk(res, "lightd GET");
          if ((await drain(res.body as ReadableStream<Uint8Array>)) !== SIZE) throw new Error("lightd GET: short body");
        }),
      );
      expectOk(await fetch(path, { method: "DELETE", headers: authHeader }), "lightd DELETE");
      say(
        `run ${r + 1}/${flags.runs}: ${Object.entries(figures)
          .map(([k, v]) => `${k} ${fmt(v[r] as number)}`)
          .join(", ")} MB/s`,
      );
    }

    const row = (what: string, presigned: string, ceiling: string) => {
      const p = median(figures[presigned] ?? []);
      const c = median(figures[ceiling] ?? []);
      return [what, fmt(p), fmt(c), pct(p / c)];
    };
    const lib = median(figures["put:putStream"] ?? []);
    const rssPeak = lightd.peakRssMiB();
    process.stdout.write(
      [
        "",
        `S3 throughput to Ceph RGW 16 (memstore, one OSD) — ${flags["size-mib"]} MiB random file, median of ${flags.runs} runs, MB = 10^6 bytes; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}; multipart: ${parts} × ${flags["part-mib"]} MiB, ${PARALLEL} in parallel`,
        "",
        table(
          ["transfer", "presigned URL (fetch) MB/s", "AWS SDK direct MB/s", "presigned / SDK"],
          [
            row("upload, single PUT", "put:presigned", "put:sdk"),
            row("upload, multipart", "multipart:presigned", "multipart:sdk"),
            row("download, GET", "get:presigned", "get:sdk"),
          ],
        ),
        "",
        table(
          ["through lightd", "lightd MB/s", "AWS SDK direct MB/s", "lightd / SDK"],
          [
            row("one-step PUT /files → RGW (streamed multipart)", "put:lightd", "put:sdk"),
            row("GET /files → /blobs ← RGW (serve_downloads)", "get:lightd", "get:sdk"),
          ],
        ),
        "",
        `lightd peak RSS (VmHWM): ${fmt(rssAtStart ?? Number.NaN)} MiB after start, ${fmt(rssPeak ?? Number.NaN)} MiB after ${flags.runs} × (1 PUT + 1 GET) of ${flags["size-mib"]} MiB (part size 8 MiB, 4 in flight)`,
        `S3BlobStore.putStream in this process (pooled part buffers, ${flags["part-mib"]} MiB parts, ${PARALLEL} in flight): ${fmt(lib)} MB/s = ${pct(lib / median(figures["put:sdk"] ?? []))} of the SDK single PUT.`,
        `all runs MB/s: ${Object.entries(figures)
          .map(([k, v]) => `${k} [${v.map((x) => fmt(x)).join(", ")}]`)
          .join("; ")}`,
        `integrity: every object's stored size checked; presigned PUT etag = source md5 ${etagChecked ? "✓" : "not checked"}`,
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await lightd.stop();
    store.close();
    await bucket.destroy().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
