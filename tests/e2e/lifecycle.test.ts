import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cleanupE2E, ensureBinary, type LogLine, pollUntil, type RunningServer, startServer } from "../fixtures/binary";

// Each test starts real processes; bun's 5 s default is too tight on a busy 2-core machine.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

const masterOf = (server: RunningServer): string =>
  JSON.parse(readFileSync(server.configPath, "utf8")).authorization.token;

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the server sends until it closes the connection. */
function readUntilClose(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      data += chunk;
    });
    socket.once("end", () => resolve(data));
    socket.once("error", reject);
  });
}

describe("SIGTERM", () => {
  test("stops accepting, finishes the request in flight, exits 0", async () => {
    const server = await startServer();
    const token = masterOf(server);

    // A request whose body is only half sent is in flight until we send the rest.
    const body = JSON.stringify({ ttl: "1h" });
    const slow = await openSocket(server.port);
    const response = readUntilClose(slow);
    slow.write(
      "POST /auth/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 4)}`,
    );
    // A full round trip on another connection: the server has read the slow request's head by now.
    expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);

    server.proc.kill("SIGTERM");
    await server.waitForLog((l) => l.msg === "shutting down" && l.signal === "SIGTERM");

    // New connections are refused while the old request is still open.
    const refusing = await pollUntil(
      () =>
        openSocket(server.port).then(
          (socket) => {
            socket.destroy();
            return false;
          },
          () => true,
        ),
      1_000,
    );
    expect(refusing).toBe(true);
    expect(server.proc.exitCode).toBeNull();

    slow.write(body.slice(4));
    const raw = await response;
    expect(raw).toStartWith("HTTP/1.1 200");
    const json = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
    expect(json.token).toMatch(/^lightd_/);

    expect(await server.proc.exited).toBe(0);
    await server.stdout.done;
    expect(server.logs().at(-1)?.msg).toBe("stopped");
    expect(server.stderr.text).toBe("");
  });

  test("SIGINT (Ctrl-C) stops cleanly too", async () => {
    const server = await startServer();
    expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);
    expect(await server.stop("SIGINT")).toBe(0);
    expect(server.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
  });

  // A supervisor (systemd, Docker, a deploy script) may stop lightd the moment it reports
  // "listening"; the signal handlers must already be in place then, or the process dies
  // with the default action (exit 143) without closing SQLite. Repeated because it is a race.
  test("a SIGTERM right after the listening line is still graceful", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const server = await startServer();
      codes.push(await server.stop("SIGTERM"));
    }
    expect(codes).toEqual(Array(20).fill(0));
  });
});

describe("request log", () => {
  test("one JSON line per request with method, path, status, ms and request_id; never a token", async () => {
    const server = await startServer();
    const master = masterOf(server);
    const requestIds: string[] = [];
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${server.url}${path}`, init);
      await res.arrayBuffer();
      const id = res.headers.get("x-request-id");
      expect(id).toBeTruthy();
      requestIds.push(id as string);
      return res;
    };

    const minted = await fetch(`${server.url}/auth/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${master}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl: "15m" }),
    });
    const programmatic: string = (await minted.json()).token;

    expect((await send("/api/v1/public/ping")).status).toBe(200);
    expect((await send(`/api/v1/public/ping?token=${master}`)).status).toBe(200);
    expect((await send(`/auth/tokens?token=${programmatic}`, { method: "POST" })).status).toBe(403);
    expect((await send(`/auth/tokens?token=${master}x`, { method: "POST" })).status).toBe(401);
    const bearer = await send("/auth/tokens", {
      method: "POST",
      headers: { authorization: `Bearer ${master}`, "content-type": "application/json" },
      body: '{"ttl":"30s"}',
    });
    expect(bearer.status).toBe(200);

    const lines: LogLine[] = [];
    for (const id of requestIds) lines.push(await server.waitForLog((l) => l.request_id === id));
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ["GET", "/api/v1/public/ping", 200],
      ["GET", "/api/v1/public/ping", 200],
      ["POST", "/auth/tokens", 403],
      ["POST", "/auth/tokens", 401],
      ["POST", "/auth/tokens", 200],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: "info", msg: "request" });
      expect(typeof line.ms).toBe("number");
      expect(line.ms as number).toBeGreaterThanOrEqual(0);
      expect(typeof line.time).toBe("string");
    }

    expect(await server.stop()).toBe(0);
    // The master token appears once on stdout: the first-start notice, before any log line.
    const logText = server.stdout.lines.filter((l) => l.startsWith("{")).join("\n") + server.stderr.text;
    for (const secret of [master, programmatic]) {
      expect(logText).not.toContain(secret);
      expect(logText).not.toContain(secret.slice(-20));
    }
  });
});
