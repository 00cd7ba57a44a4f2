import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { connect } from "node:net";
import { cleanupE2E, ensureBinary, type RunningServer, startServer } from "../fixtures/binary";

/**
 * Host headers a client may send that do not form a URL (empty, with a space, a bad port)
 * on the real server: every route still answers, 4xx at worst, never a 500. Sent over a raw
 * socket, since fetch would not send them.
 */

setDefaultTimeout(60_000);
let server: RunningServer;
let token: string;

beforeAll(async () => {
  await ensureBinary();
  server = await startServer();
  token = (await Bun.file(server.configPath).json()).authorization.token;
  const put = await fetch(`${server.url}/files/docs/a.txt`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
    body: "hello",
  });
  expect(put.status).toBe(200);
}, 180_000);
afterAll(cleanupE2E);

/** Sends one raw HTTP/1.1 request and returns the status and body. */
function raw(request: string): Promise<{ status: number; body: string; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () => socket.write(request));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("end", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), head, body });
    });
    socket.on("error", reject);
  });
}

const HOSTS = ["", "a b", "%", "[", "x:99999", ":80", "é", "nas"];

for (const host of HOSTS) {
  test(`Host: ${JSON.stringify(host)} → every route answers without a 500`, async () => {
    const auth = `Authorization: Bearer ${token}\r\n`;
    const requests: [string, string, number[]][] = [
      ["HEAD /files/docs/a.txt", auth, [200]],
      ["GET /files/docs/a.txt", `${auth}Accept: application/json\r\n`, [200]],
      ["GET /files/docs/a.txt", auth, [302]],
      ["HEAD /s/nope", "", [401, 404]],
      ["GET /s/nope", "", [401, 404]],
      ["HEAD /auth/magic-link/verify?token=lightd_mlk_nope", "", [200, 400, 401, 404]],
      ["GET /api/v1/public/ping", "", [200]],
      ["GET /files?limit=5", auth, [200]],
    ];
    for (const [line, headers, expected] of requests) {
      const res = await raw(`${line} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`);
      expect({ line, status: res.status, allowed: expected.includes(res.status) }).toMatchObject({
        line,
        allowed: true,
      });
      if (res.status >= 400 && !line.startsWith("HEAD")) expect(JSON.parse(res.body)).toHaveProperty("error");
    }
    const magic = await raw(
      `POST /auth/magic-link HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{"email":"a@example.com"}`,
    );
    expect(magic.status).toBeLessThan(500);
  });
}
