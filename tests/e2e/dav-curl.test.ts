import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";

/**
 * WebDAV scenarios with plain curl against the compiled `dist/lightd`: locks held by
 * another client, prefix keys mounted at their prefix, test keys in their own space, and
 * HTTP Basic with a key that was revoked.
 */

const dir = makeTempDir();
let server: RunningServer;
let master = "";

beforeAll(async () => {
  master = `lightd_${randomBytes(24).toString("hex")}`;
  writeFileSync(join(dir, "config.json"), JSON.stringify({ authorization: { enabled: true, token: master } }), {
    mode: 0o600,
  });
  server = await startServer({ dir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

interface CurlResult {
  status: number;
  headers: string;
  body: string;
}

/** curl with `-i`: status, raw headers and body of the final response. */
async function curl(...args: string[]): Promise<CurlResult> {
  const child = spawn(["curl", "-sS", "-i", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`curl exited ${code}: ${err}`);
  const split = out.indexOf("\r\n\r\n");
  const headers = out.slice(0, split);
  return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]), headers, body: out.slice(split + 4) };
}

const basic = (token: string) => ["-u", `mount-user:${token}`];
const url = (path: string) => `${server.url}/dav/${path}`;

async function createKey(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const res = await curl(
    "-X",
    "POST",
    "-H",
    `Authorization: Bearer ${master}`,
    "-H",
    "Content-Type: application/json",
    "-d",
    JSON.stringify(body),
    `${server.url}/auth/keys`,
  );
  expect(res.status).toBe(201);
  return JSON.parse(res.body) as { id: string; token: string };
}

const lockBody =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  "<D:locktype><D:write/></D:locktype><D:owner>editor A</D:owner></D:lockinfo>";

describe("locks held by another client", () => {
  test("a second key gets 423 until the first unlocks; a stolen token does not help it", async () => {
    const a = await createKey({ name: "editor-a" });
    const b = await createKey({ name: "editor-b" });
    expect((await curl(...basic(a.token), "-X", "PUT", "--data-binary", "v1", url("shared.txt"))).status).toBe(201);

    const locked = await curl(
      ...basic(a.token),
      "-X",
      "LOCK",
      "-H",
      "Timeout: Second-600",
      "-d",
      lockBody,
      url("shared.txt"),
    );
    expect(locked.status).toBe(200);
    const token = /lock-token: <([^>]+)>/i.exec(locked.headers)?.[1] as string;
    expect(token).toStartWith("urn:uuid:");
    expect(locked.body).toContain("<D:owner>editor A</D:owner>");

    const write = ["-X", "PUT", "--data-binary", "from b", url("shared.txt")];
    expect((await curl(...basic(b.token), ...write)).status).toBe(423);
    expect((await curl(...basic(b.token), "-H", `If: (<${token}>)`, ...write)).status).toBe(423);
    expect((await curl(...basic(b.token), "-X", "DELETE", url("shared.txt"))).status).toBe(423);
    expect((await curl(...basic(b.token), "-X", "LOCK", "-d", lockBody, url("shared.txt"))).status).toBe(423);
    expect(
      (await curl(...basic(b.token), "-X", "UNLOCK", "-H", `Lock-Token: <${token}>`, url("shared.txt"))).status,
    ).toBe(403);

    // The holder writes with its token; the lock shows in PROPFIND for everyone.
    const own = await curl(
      ...basic(a.token),
      "-X",
      "PUT",
      "-H",
      `If: (<${token}>)`,
      "--data-binary",
      "v2",
      url("shared.txt"),
    );
    expect(own.status).toBe(204);
    const found = await curl(...basic(b.token), "-X", "PROPFIND", "-H", "Depth: 0", url("shared.txt"));
    expect(found.status).toBe(207);
    expect(found.body).toContain(token);

    expect(
      (await curl(...basic(a.token), "-X", "UNLOCK", "-H", `Lock-Token: <${token}>`, url("shared.txt"))).status,
    ).toBe(204);
    expect((await curl(...basic(b.token), ...write)).status).toBe(204);
    expect((await curl(...basic(b.token), url("shared.txt"))).body).toBe("from b");
  });
});

describe("prefix keys", () => {
  test("a docs/ key mounted at /dav/ sees and writes the contents of docs/ only", async () => {
    const full = ["-H", `Authorization: Bearer ${master}`];
    expect((await curl(...full, "-X", "MKCOL", url("docs/"))).status).toBe(201);
    expect((await curl(...full, "-X", "PUT", "--data-binary", "inside", url("docs/in.txt"))).status).toBe(201);
    expect((await curl(...full, "-X", "PUT", "--data-binary", "outside", url("secret.txt"))).status).toBe(201);

    const key = await createKey({ name: "docs-only", prefix: "docs/" });
    const listing = await curl(...basic(key.token), "-X", "PROPFIND", "-H", "Depth: 1", url(""));
    expect(listing.status).toBe(207);
    expect(listing.body).toContain("<D:href>/dav/in.txt</D:href>");
    expect(listing.body).not.toContain("secret.txt");
    expect(listing.body).not.toContain("docs/");
    expect((await curl(...basic(key.token), url("in.txt"))).body).toBe("inside");

    // What it writes lands under docs/ for everyone else; nothing outside can be named.
    expect((await curl(...basic(key.token), "-X", "PUT", "--data-binary", "new", url("new.txt"))).status).toBe(201);
    expect((await curl(...full, url("docs/new.txt"))).body).toBe("new");
    expect((await curl(...basic(key.token), url("secret.txt"))).status).toBe(404);
    expect((await curl(...basic(key.token), url("..%2Fsecret.txt"))).status).toBe(400);
    const outside = await curl(
      ...basic(key.token),
      "-X",
      "MOVE",
      "-H",
      `Destination: ${server.url}/files/x`,
      url("new.txt"),
    );
    expect(outside.status).toBe(403);
    expect((await curl(...basic(key.token), "-X", "DELETE", url(""))).status).toBe(403);
  });
});

describe("raw UTF-8 URLs", () => {
  // curl sends non-ASCII in the URL and in headers as the raw UTF-8 bytes it was given.
  test("COPY and MOVE to a raw UTF-8 Destination store the name the client wrote", async () => {
    const auth = ["-H", `Authorization: Bearer ${master}`];
    expect((await curl(...auth, "-X", "MKCOL", url("cv/"))).status).toBe(201);
    expect((await curl(...auth, "-X", "PUT", "--data-binary", "cv", url("cv/draft.txt"))).status).toBe(201);
    const to = (name: string) => ["-H", `Destination: ${server.url}/dav/cv/${name}`];
    expect((await curl(...auth, "-X", "COPY", ...to("résumé copy.txt"), url("cv/draft.txt"))).status).toBe(201);
    expect((await curl(...auth, "-X", "MOVE", ...to("résumé.txt"), url("cv/draft.txt"))).status).toBe(201);

    const listing = JSON.parse((await curl(...auth, `${server.url}/files?prefix=cv/`)).body) as {
      entries: { path: string }[];
    };
    expect(listing.entries.map((f) => f.path).sort()).toEqual(["cv/résumé copy.txt", "cv/résumé.txt"]);
    expect((await curl(...auth, url("cv/résumé.txt"))).body).toBe("cv");
  });
});

describe("test keys", () => {
  test("a test key mounts its own, empty space", async () => {
    const live = ["-X", "PUT", "--data-binary", "live data", url("both-spaces.txt")];
    expect((await curl(...basic(master), ...live)).status).toBe(201);
    const key = await createKey({ name: "ci", environment: "test" });
    const listing = await curl(...basic(key.token), "-X", "PROPFIND", "-H", "Depth: 1", url(""));
    expect(listing.status).toBe(207);
    expect(listing.body).not.toContain("both-spaces.txt");
    const test = ["-X", "PUT", "--data-binary", "test data", url("both-spaces.txt")];
    expect((await curl(...basic(key.token), ...test)).status).toBe(201);
    expect((await curl(...basic(master), url("both-spaces.txt"))).body).toBe("live data");
    expect((await curl(...basic(key.token), url("both-spaces.txt"))).body).toBe("test data");
  });
});

describe("HTTP Basic", () => {
  test("no credentials: 401 with the Basic challenge mount dialogs answer", async () => {
    const res = await curl("-X", "PROPFIND", "-H", "Depth: 0", url(""));
    expect(res.status).toBe(401);
    expect(res.headers).toMatch(/www-authenticate: Basic realm="lightd"/i);
  });

  test("a revoked key is refused on its very next request", async () => {
    const key = await createKey({ name: "laptop" });
    expect((await curl(...basic(key.token), "-X", "PROPFIND", "-H", "Depth: 0", url(""))).status).toBe(207);
    const revoked = await curl(
      "-X",
      "DELETE",
      "-H",
      `Authorization: Bearer ${master}`,
      `${server.url}/auth/keys/${key.id}`,
    );
    expect(revoked.status).toBe(200);
    const res = await curl(...basic(key.token), "-X", "PROPFIND", "-H", "Depth: 0", url(""));
    expect(res.status).toBe(401);
    expect(res.headers).toMatch(/www-authenticate: Basic realm="lightd"/i);
    expect(JSON.parse(res.body)).toMatchObject({ error: "unauthorized" });
  });

  test("a wrong password is 401, a Bearer token works as well", async () => {
    expect((await curl(...basic(master), "-X", "PUT", "--data-binary", "x", url("basic.txt"))).status).toBe(201);
    expect((await curl(...basic("lightd_wrong_wrong_wrong_wrong"), url("basic.txt"))).status).toBe(401);
    expect((await curl("-H", `Authorization: Bearer ${master}`, url("basic.txt"))).status).toBe(200);
  });
});

describe("locks survive a restart", () => {
  test("a lock taken before a restart is still enforced after it, until unlocked", async () => {
    const a = await createKey({ name: "editor-c" });
    const b = await createKey({ name: "editor-d" });
    expect((await curl(...basic(a.token), "-X", "PUT", "--data-binary", "v1", url("kept.txt"))).status).toBe(201);
    const locked = await curl(...basic(a.token), "-X", "LOCK", "-d", lockBody, url("kept.txt"));
    const token = /lock-token: <([^>]+)>/i.exec(locked.headers)?.[1] as string;

    expect(await server.stop()).toBe(0);
    server = await startServer({ dir });

    expect((await curl(...basic(b.token), "-X", "PUT", "--data-binary", "b", url("kept.txt"))).status).toBe(423);
    const discovered = await curl(...basic(b.token), "-X", "PROPFIND", "-H", "Depth: 0", url("kept.txt"));
    expect(discovered.body).toContain(token);
    const unlocked = await curl(...basic(a.token), "-X", "UNLOCK", "-H", `Lock-Token: <${token}>`, url("kept.txt"));
    expect(unlocked.status).toBe(204);
    expect((await curl(...basic(b.token), "-X", "PUT", "--data-binary", "b", url("kept.txt"))).status).toBe(204);
  }, 60_000);
});
