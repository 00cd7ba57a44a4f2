import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { spawn } from "bun";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";

/**
 * The plain curl commands a README shows, run against the compiled `dist/lightd` on
 * port 0, checking what a user would see. Each test starts its own server and runs the
 * commands it needs from the start, so the tests hold in any order and the counts they check
 * (tx 1, the listing, the stats, the log) are exact.
 */

const dir = makeTempDir();

let server: RunningServer | undefined;
let base = "";
let token = "";

const MAX_UPLOAD = 4 * 1024 * 1024;

beforeEach(async () => {
  // A hand-written config.json; lightd adds its signing secret on first start.
  const serverDir = makeTempDir();
  token = `lightd_${randomBytes(24).toString("hex")}`;
  writeFileSync(
    join(serverDir, "config.json"),
    JSON.stringify({ authorization: { enabled: true, token }, server: { max_upload_bytes: MAX_UPLOAD } }),
    { mode: 0o600 },
  );
  server = await startServer({ dir: serverDir });
  base = server.url;
}, 120_000);

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

afterAll(async () => {
  await cleanupE2E();
});

/** Runs curl with the given arguments (no shell) and returns its exit code and output. */
async function curl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(["curl", "-sS", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, out, err };
}

const auth = () => ["-H", `Authorization: Bearer ${token}`];
// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
const asJson = (out: string) => JSON.parse(out) as Record<string, any>;
const sha = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

describe("the README's curl commands", () => {
  const original = new Uint8Array(randomBytes(2 * 1024 * 1024 + 123));
  const local = join(dir, "report.pdf");
  beforeAll(() => writeFileSync(local, original));

  /** `curl -T report.pdf …/files/docs/report.pdf`, the README's first upload. */
  const upload = () => curl(...auth(), "-T", local, `${base}/files/docs/report.pdf`);
  /** The README's walkthrough up to the move: two uploads, a folder, the report archived. */
  async function uploadAndArchive(): Promise<void> {
    expect((await upload()).code).toBe(0);
    await curl(...auth(), "-T", "-", `${base}/files/docs/notes.txt`); // stdin is empty: an empty file
    const json = ["-X", "POST", "-H", "Content-Type: application/json", "-d"];
    await curl(...auth(), ...json, '{"path":"archive/"}', `${base}/files/mkdir`);
    const move = '{"from":"docs/report.pdf","to":"archive/report-2024.pdf","message":"archive it"}';
    expect((await curl(...auth(), ...json, move, `${base}/files/move`)).code).toBe(0);
  }

  test("curl -T uploads a file", async () => {
    const { code, out } = await upload();
    expect(code).toBe(0);
    const body = asJson(out);
    expect(body).toMatchObject({ path: "docs/report.pdf", name: "report.pdf", size: original.length, tx: 1 });
    expect(body.time).toBeGreaterThan(1_600_000_000_000);
  });

  test("curl -L downloads it through the signed redirect, bytes exactly", async () => {
    await upload();
    const out = join(dir, "downloaded.pdf");
    const { code } = await curl(...auth(), "-L", "-o", out, `${base}/files/docs/report.pdf`);
    expect(code).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(original));
  });

  test("without -L the answer is a 302 to the signed URL", async () => {
    await upload();
    const { out } = await curl(
      ...auth(),
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{redirect_url}",
      `${base}/files/docs/report.pdf`,
    );
    const [status, location] = out.split(" ");
    expect(status).toBe("302");
    expect(location).toStartWith(`${base}/blobs/`);
  });

  test("curl -I shows Content-Length, ETag and Content-Type", async () => {
    await upload();
    const { out } = await curl(...auth(), "-I", `${base}/files/docs/report.pdf`);
    expect(out).toStartWith("HTTP/1.1 200");
    expect(out.toLowerCase()).toContain(`content-length: ${original.length}`);
    expect(out.toLowerCase()).toContain(`etag: "${sha(original)}"`);
    expect(out.toLowerCase()).toContain("content-type: application/pdf");
  });

  test("curl -r downloads a byte range", async () => {
    await upload();
    const { out } = await curl(...auth(), "-L", "-r", "0-9", `${base}/files/docs/report.pdf`, "-o", join(dir, "part"));
    expect(out).toBe("");
    expect(new Uint8Array(readFileSync(join(dir, "part")))).toEqual(original.slice(0, 10));
  });

  test("curl with Accept: application/json shows the metadata", async () => {
    await upload();
    const { out } = await curl(...auth(), "-H", "Accept: application/json", `${base}/files/docs/report.pdf`);
    expect(asJson(out)).toMatchObject({ path: "docs/report.pdf", size: original.length, etag: sha(original) });
  });

  test("curl lists a folder", async () => {
    await upload();
    await curl(...auth(), "-T", "-", `${base}/files/docs/notes.txt`); // stdin is empty: an empty file
    const { out } = await curl(...auth(), `${base}/files?prefix=docs/`);
    const list = asJson(out);
    expect(list.prefix).toBe("docs/");
    expect(list.truncated).toBe(false);
    expect(list.entries.map((e: { name: string }) => e.name)).toEqual(["notes.txt", "report.pdf"]);
    const root = asJson((await curl(...auth(), `${base}/files`)).out);
    expect(root.entries).toMatchObject([{ name: "docs", type: "folder" }]);
  });

  test("curl -X POST /files/mkdir and /files/move", async () => {
    await upload();
    const mkdir = await curl(
      ...auth(),
      "-X",
      "POST",
      `${base}/files/mkdir`,
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"path":"archive/"}',
    );
    expect(asJson(mkdir.out)).toMatchObject({ path: "archive/", created: true });
    const move = await curl(
      ...auth(),
      "-X",
      "POST",
      `${base}/files/move`,
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"from":"docs/report.pdf","to":"archive/report-2024.pdf","message":"archive it"}',
    );
    expect(asJson(move.out)).toMatchObject({ from: "docs/report.pdf", to: "archive/report-2024.pdf" });
    const gone = await curl(...auth(), "-o", "/dev/null", "-w", "%{http_code}", `${base}/files/docs/report.pdf`);
    expect(gone.out).toBe("404");
  });

  test("curl -X POST /files/share, then anyone can curl -L the link", async () => {
    await uploadAndArchive();
    const share = await curl(
      ...auth(),
      "-X",
      "POST",
      `${base}/files/share`,
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"path":"archive/report-2024.pdf","ttl":600}',
      "-w",
      "\n%{http_code}",
    );
    const [json, status] = share.out.split("\n");
    expect(status).toBe("201");
    const link = asJson(json as string);
    expect(link.ttl).toBe(600);
    expect(link.url).toStartWith(`${base}/s/`);
    const out = join(dir, "shared.pdf");
    const { code } = await curl("-L", "-o", out, link.url as string); // no Authorization header
    expect(code).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(original));
    const bogus = await curl(`${base}/s/lightd_shr_bogus`);
    expect(asJson(bogus.out)).toMatchObject({ error: "unauthorized" });
  });

  test("curl stats and log", async () => {
    await uploadAndArchive();
    expect(asJson((await curl(...auth(), `${base}/files/stats`)).out)).toMatchObject({
      files: 2,
      bytes: original.length,
    });
    const log = asJson((await curl(...auth(), `${base}/files/log`)).out);
    expect(log.events.map((e: { action: string }) => e.action)).toEqual(["upload", "upload", "mkdir", "move"]);
  });

  test("curl -X DELETE removes a file and a folder", async () => {
    await uploadAndArchive();
    const file = asJson((await curl(...auth(), "-X", "DELETE", `${base}/files/docs/notes.txt`)).out);
    expect(file).toMatchObject({ deleted: 1 });
    const folder = asJson((await curl(...auth(), "-X", "DELETE", `${base}/files/archive/`)).out);
    expect(folder).toMatchObject({ deleted: 1 }); // archive/report-2024.pdf (the folder itself is not a file)
    expect(asJson((await curl(...auth(), `${base}/files/stats`)).out)).toMatchObject({ files: 0, bytes: 0 });
  });

  test("without a token curl gets a 401 JSON error", async () => {
    const { out } = await curl(`${base}/files`);
    expect(asJson(out)).toEqual({ error: "unauthorized", message: "Missing or invalid authorization token" });
  });

  test("curl --path-as-is with .. never escapes: 400 or 404, never a file outside", async () => {
    for (const path of ["/files/../config.json", "/files/docs/../../config.json", "/files/%2e%2e/config.json"]) {
      const { out } = await curl(...auth(), "--path-as-is", "-w", "\n%{http_code}", `${base}${path}`);
      const status = out.slice(out.lastIndexOf("\n") + 1);
      expect(["400", "404"]).toContain(status);
      expect(out).not.toContain(token);
    }
  });

  test("curl -T with a file over server.max_upload_bytes → 413, nothing stored", async () => {
    const big = join(dir, "big.bin");
    writeFileSync(big, randomBytes(MAX_UPLOAD + 1));
    const { code, out } = await curl(...auth(), "-T", big, "-w", "\n%{http_code}", `${base}/files/too-big.bin`);
    expect(code).toBe(0);
    const [json, status] = out.split("\n");
    expect(status).toBe("413");
    expect(asJson(json as string)).toMatchObject({ error: "payload_too_large" });
    // Nothing was stored: no too-big.bin, and the space is still empty.
    const entries = asJson((await curl(...auth(), `${base}/files`)).out).entries;
    expect(entries).toEqual([]);
  });
});

/** Not a README command: a client that goes away halfway through an upload. */
test("an upload cut off mid-body stores nothing, and the next upload is stored", async () => {
  const body = randomBytes(4096);
  const socket = connect(Number(new URL(base).port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.write(
    `PUT /files/cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, 1000));
  // The rest never comes: the client goes away.
  socket.destroy();
  await closed;
  const missing = await curl(...auth(), "-o", "/dev/null", "-w", "%{http_code}", `${base}/files/cut.bin`);
  expect(missing.out).toBe("404");
  const whole = join(dir, "whole.bin");
  writeFileSync(whole, body);
  expect((await curl(...auth(), "-T", whole, "-f", `${base}/files/cut.bin`)).code).toBe(0);
  const back = await fetch(`${base}/files/cut.bin?redirect=false`, { headers: { authorization: `Bearer ${token}` } });
  expect(sha(new Uint8Array(await back.arrayBuffer()))).toBe(sha(body));
  const stats = asJson((await curl(...auth(), `${base}/files/stats`)).out);
  expect(stats.files).toBe(1);
});
