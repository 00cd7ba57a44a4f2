import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, ensureBinary, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { FeedClient } from "../fixtures/feed-client";

/**
 * HTTPS on lightd's own port (`server.tls`), with a certificate openssl made and curl checking
 * it: every door answers over TLS, the session cookie is Secure, WebDAV takes Basic auth, and a
 * certificate that cannot be read stops the start with a message naming the setting.
 */

setDefaultTimeout(60_000);
const TOKEN = "lightd_https0123456789abcdef0123456789";
let dir: string;
let server: RunningServer;
let base: string;

function run(cmd: string[]): { code: number; out: string; err: string } {
  const proc = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? -1, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

function writeConfig(at: string, tls: { cert_file: string; key_file: string }): void {
  const config = { authorization: { token: TOKEN }, server: { tls } };
  writeFileSync(join(at, "config.json"), JSON.stringify(config), { mode: 0o600 });
}

/** curl, checking lightd's certificate against the one openssl made; answers status, headers and body. */
function curl(path: string, ...args: string[]): { status: number; head: string; body: string } {
  const result = run(["curl", "-sS", "-i", "--cacert", join(dir, "tls", "cert.pem"), ...args, `${base}${path}`]);
  expect(result.err).toBe("");
  // After -L, the last block is the body of the last response.
  const blocks = result.out.split("\r\n\r\n");
  const head = blocks[0] ?? "";
  return { status: Number(head.split(" ")[1]), head, body: blocks.at(-1) ?? "" };
}

beforeAll(async () => {
  await ensureBinary();
  dir = makeTempDir();
  mkdirSync(join(dir, "tls"));
  const made = run([
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout",
    join(dir, "tls", "key.pem"),
    "-out",
    join(dir, "tls", "cert.pem"),
  ]);
  expect(made.code).toBe(0);
  writeConfig(dir, { cert_file: "tls/cert.pem", key_file: "tls/key.pem" });
  server = await startServer({ dir });
  base = `https://localhost:${server.port}`;
}, 180_000);
afterAll(cleanupE2E);

test("the listening line says https, and the API, downloads, the dashboard and the docs answer over TLS", async () => {
  expect(server.logs().find((l) => l.msg === "listening")?.url).toBe(`https://127.0.0.1:${server.port}`);
  expect(curl("/api/v1/public/ping").status).toBe(200);
  expect(curl("/files").status).toBe(401);
  const auth = ["-H", `Authorization: Bearer ${TOKEN}`];
  const put = curl("/files/docs/a.txt", ...auth, "-X", "PUT", "--data-binary", "over tls");
  expect(put.status).toBe(200);
  // The signed URL points back at lightd over https, and curl follows it with the same check.
  const get = curl("/files/docs/a.txt", ...auth, "-L");
  expect(get.body).toBe("over tls");
  expect(curl("/").status).toBe(200);
  expect(curl("/swagger/json").status).toBe(200);
  // Plain HTTP to the TLS port is no request lightd answers.
  expect(run(["curl", "-sS", `http://127.0.0.1:${server.port}/api/v1/public/ping`]).code).not.toBe(0);
});

test("the session cookie is Secure, and WebDAV takes Basic auth over TLS", () => {
  const session = curl(
    "/auth/session",
    "-X",
    "POST",
    "-H",
    "content-type: application/json",
    "-d",
    JSON.stringify({ token: TOKEN }),
  );
  expect(session.status).toBe(200);
  expect(session.head).toMatch(/^set-cookie: lightd_session=[^\r\n]*; Secure/im);
  const dav = curl("/dav/", "-X", "PROPFIND", "-H", "Depth: 1", "-u", `any:${TOKEN}`);
  expect(dav.status).toBe(207);
});

test("the live feed answers over wss: to the ws client", async () => {
  const ca = readFileSync(join(dir, "tls", "cert.pem"), "utf8");
  const client = new FeedClient(`wss://localhost:${server.port}/ws/events?since_tx=0&token=${TOKEN}`, { ca });
  expect(await client.opened).toBe(101);
  await client.waitFor((events) => events.some((e) => e.path === "docs/a.txt"), "the upload's event");
  client.socket.close();
  await client.closed;
});

test("a Host of one or two characters still reaches the route its path names", () => {
  // The router finds an https URL's path after its host; a short Host must not move it into the path.
  expect(curl("/x/auth/keys", "-H", "Host: a", "-k").status).toBe(404);
  expect(curl("/files", "-H", "Host: ab", "-k").status).toBe(401);
  expect(curl("/api/v1/public/ping", "-H", "Host: a", "-k").status).toBe(200);
});

test("a certificate or key that cannot be used stops the start, naming the setting", async () => {
  const missing = makeTempDir();
  writeConfig(missing, { cert_file: "nope.pem", key_file: join(dir, "tls", "key.pem") });
  const refusal = await startServer({ dir: missing }).then(
    () => "started",
    (error: Error) => error.message,
  );
  expect(refusal).toContain(`server.tls.cert_file: cannot read ${join(missing, "nope.pem")} (ENOENT)`);

  const swapped = makeTempDir();
  writeConfig(swapped, { cert_file: join(dir, "tls", "cert.pem"), key_file: join(dir, "tls", "cert.pem") });
  const noKey = await startServer({ dir: swapped }).then(
    () => "started",
    (error: Error) => error.message,
  );
  expect(noKey).toContain("server.tls.key_file:");
  expect(noKey).toContain("holds no PEM private key");
});
