import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHandler } from "../../src/http/handler";
import { memoryLogger } from "../../src/lib/logger";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";

/**
 * Managing share links: list, revoke, max_downloads (counted race-free), links that follow
 * their file through moves and die with its deletion or replaced bytes, and folder shares
 * (JSON or HTML listing, files under the folder, no way out of it). A dead link of any kind
 * answers exactly like an unknown one.
 */
const clock = { now: 1_700_000_000_000 };
const UNKNOWN = { error: "unauthorized", message: "Invalid or expired share link" };

// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
type Json = Record<string, any>;

forEachBackend(shareLinkTests);

function shareLinkTests(backend: Backend) {
  const t = makeTestApp({ backend, now: () => clock.now });
  afterAll(() => t.close());

  const put = async (path: string, content: string, token?: string) =>
    expect((await t.request("PUT", `/files/${path}`, { body: content, token })).status).toBe(200);
  const share = async (payload: Json, token?: string) => {
    const res = await t.request("POST", "/files/share", { json: payload, token });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  };
  const listShares = async (token?: string) => {
    const res = await t.request("GET", "/files/shares", { token });
    expect(res.status).toBe(200);
    return ((await res.json()) as Json).shares as Json[];
  };
  /** Opens a link anonymously; on 302 follows to the bytes. */
  const open = async (url: string, init: RequestInit = {}) => {
    const res = await t.follow(url, init);
    if (res.status !== 302) return res;
    return t.follow(res.headers.get("location") as string);
  };
  const expectDead = async (url: string) => {
    const res = await t.follow(url);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(UNKNOWN);
  };

  describe("GET /files/shares and DELETE /files/shares/{id}", () => {
    test("lists the caller's live links with id, path, url, expires_at, created_at, downloads, max_downloads", async () => {
      await put("list/a.txt", "a");
      const made = await share({ path: "list/a.txt", ttl: 600, max_downloads: 5 });
      expect(made.max_downloads).toBe(5);
      expect((await open(made.url)).status).toBe(200);
      const found = (await listShares()).find((s) => s.id === made.id);
      expect(found).toEqual({
        id: made.id,
        path: "list/a.txt",
        type: "file",
        url: made.url,
        expires_at: clock.now + 600_000,
        created_at: clock.now,
        downloads: 1,
        max_downloads: 5,
      });
    });

    test("the token is still never stored, though the owner can list the URL", () => {
      const dump = JSON.stringify(t.db.query("SELECT * FROM shares").all());
      expect(dump).not.toContain("lightd_shr_");
    });

    test("revoked at the next request, then answered exactly like an unknown link; revoking again is 404", async () => {
      await put("list/b.txt", "b");
      const made = await share({ path: "list/b.txt" });
      expect((await t.follow(made.url)).status).toBe(302);
      const revoke = await t.request("DELETE", `/files/shares/${made.id}`);
      expect(revoke.status).toBe(200);
      expect(await revoke.json()).toEqual({ id: made.id, revoked: true });
      await expectDead(made.url);
      expect((await listShares()).map((s) => s.id)).not.toContain(made.id);
      const again = await t.request("DELETE", `/files/shares/${made.id}`);
      expect(again.status).toBe(404);
      expect((await again.json()).error).toBe("not_found");
    });

    test("expired links are not listed and answer like unknown ones", async () => {
      await put("list/c.txt", "c");
      const made = await share({ path: "list/c.txt", ttl: 5 });
      clock.now += 5_000;
      expect((await listShares()).map((s) => s.id)).not.toContain(made.id);
      await expectDead(made.url);
    });

    test("a token that is not even well encoded is answered like an unknown link, GET and HEAD", async () => {
      for (const token of ["%FF", "lightd_shr_x%ZZ", "%C3%28", "%00"]) {
        for (const rest of ["", "/a.txt"]) {
          const res = await t.handle(new Request(`http://localhost/s/${token}${rest}`));
          expect({ token, rest, status: res.status, body: await res.json() }).toEqual({
            token,
            rest,
            status: 401,
            body: UNKNOWN,
          });
          const head = await t.handle(new Request(`http://localhost/s/${token}${rest}`, { method: "HEAD" }));
          expect({ token, rest, status: head.status }).toEqual({ token, rest, status: 401 });
        }
      }
    });

    test("a key sees and revokes only links inside its prefix; another account sees none", async () => {
      await put("mine/in.txt", "in");
      await put("theirs/out.txt", "out");
      const inside = await share({ path: "mine/in.txt" });
      const outside = await share({ path: "theirs/out.txt" });
      const key = await createKey(t, t.master, { name: "mine", prefix: "mine/", scopes: ["files:read", "share"] });
      const seen = (await listShares(key.token)).map((s) => s.path);
      expect(seen).toContain("mine/in.txt");
      expect(seen.every((p) => p.startsWith("mine/"))).toBe(true);
      const denied = await t.request("DELETE", `/files/shares/${outside.id}`, { token: key.token });
      expect(denied.status).toBe(404);
      expect((await t.follow(outside.url)).status).toBe(302);
      expect((await t.request("DELETE", `/files/shares/${inside.id}`, { token: key.token })).status).toBe(200);

      const bob = await registerAndLogin(t, naclSigner(`bob${backend.kind}`));
      expect(await listShares(bob)).toEqual([]);
      expect((await t.request("DELETE", `/files/shares/${outside.id}`, { token: bob })).status).toBe(404);
    });

    test("listing and revoking need the share scope", async () => {
      const key = await createKey(t, t.master, { name: "reader", scopes: ["files:read"] });
      expect((await t.request("GET", "/files/shares", { token: key.token })).status).toBe(403);
      expect((await t.request("GET", "/files/shares", { token: null })).status).toBe(401);
    });
  });

  describe("a link lives no longer than the credential that made it", () => {
    test("revoking the key that made a link ends the link; rotating it does not", async () => {
      await put("bykey/a.txt", "made by a key");
      const key = await createKey(t, t.master, { name: "sharer", expires_in: 86_400 });
      const link = await share({ path: "bykey/a.txt" }, key.token);
      expect((await open(link.url)).status).toBe(200);
      const rotated = await t.request("POST", `/auth/keys/${key.id}/rotate`, { json: { expires_in: 86_400 } });
      expect(rotated.status).toBe(200);
      expect((await open(link.url)).status).toBe(200);
      expect((await t.request("DELETE", `/auth/keys/${key.id}`)).status).toBe(200);
      await expectDead(link.url);
      expect((await listShares()).map((s) => s.id)).not.toContain(link.id);
    });

    test("a link made by a short-lived token expires with it, sweep or not", async () => {
      await put("bytoken/a.txt", "made by a token");
      const minted = await t.request("POST", "/auth/tokens", { json: { ttl: "60s" } });
      const { token } = (await minted.json()) as { token: string };
      const link = await share({ path: "bytoken/a.txt", ttl: 3600 }, token);
      expect(link.expires_at).toBeLessThanOrEqual(clock.now + 60_000);
      expect((await open(link.url)).status).toBe(200);
      clock.now += 61_000;
      await expectDead(link.url);
    });

    test("a link made with the master token or a person's own session outlives that session", async () => {
      const owner = await registerAndLogin(t, naclSigner(`sharer${backend.kind}`));
      await put("own/a.txt", "mine", owner);
      const link = await share({ path: "own/a.txt" }, owner);
      expect((await t.request("POST", "/auth/logout", { token: owner })).status).toBe(200);
      expect((await open(link.url)).status).toBe(200);
    });
  });

  describe("max_downloads", () => {
    test("each download counts; the link is used up after the last one; HEAD does not count", async () => {
      await put("cap/one.txt", "capped");
      const made = await share({ path: "cap/one.txt", max_downloads: 2 });
      const head = await t.follow(made.url, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe("6");
      expect(head.headers.get("location")).toBeNull();
      expect(await (await open(made.url)).text()).toBe("capped");
      expect(await (await open(made.url)).text()).toBe("capped");
      await expectDead(made.url);
      expect((await listShares()).map((s) => s.id)).not.toContain(made.id);
    });

    test("HEAD answers to the conditions its download does: 304 on a match, 412 on a stale If-Match", async () => {
      await put("cap/cond.txt", "conditional");
      const made = await share({ path: "cap/cond.txt", max_downloads: 1 });
      const etag = (await t.follow(made.url, { method: "HEAD" })).headers.get("etag") as string;
      expect(etag).toStartWith('"');
      const same = await t.follow(made.url, { method: "HEAD", headers: { "if-none-match": etag } });
      expect([same.status, same.headers.get("etag")]).toEqual([304, etag]);
      const stale = await t.follow(made.url, { method: "HEAD", headers: { "if-match": '"stale"' } });
      expect(stale.status).toBe(412);
      expect((await t.follow(made.url, { method: "HEAD", headers: { "if-match": etag } })).status).toBe(200);
      // None of them counted: the one download is still there.
      expect(await (await open(made.url)).text()).toBe("conditional");
      await expectDead(made.url);
    });

    test("concurrent opens never pass the cap", async () => {
      await put("cap/race.txt", "race");
      const made = await share({ path: "cap/race.txt", max_downloads: 3 });
      const results = await Promise.all(Array.from({ length: 12 }, () => t.follow(made.url)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 302)).toHaveLength(3);
      expect(statuses.filter((s) => s === 401)).toHaveLength(9);
    });
  });

  describe("a link follows its file", () => {
    test("through a move of the file and of a folder above it", async () => {
      await put("moving/doc.txt", "moving bytes");
      const made = await share({ path: "moving/doc.txt" });
      const moved = await t.request("POST", "/files/move", {
        json: { from: "moving/doc.txt", to: "moving/renamed.txt" },
      });
      expect(moved.status).toBe(200);
      expect(await (await open(made.url)).text()).toBe("moving bytes");
      expect((await t.request("POST", "/files/move", { json: { from: "moving/", to: "moved/" } })).status).toBe(200);
      expect(await (await open(made.url)).text()).toBe("moving bytes");
      expect((await listShares()).find((s) => s.id === made.id)?.path).toBe("moved/renamed.txt");
    });

    test("a copy is not the shared file: the link stays with the original", async () => {
      await put("orig/o.txt", "original");
      const made = await share({ path: "orig/o.txt" });
      expect((await t.request("POST", "/files/copy", { json: { from: "orig/o.txt", to: "orig/c.txt" } })).status).toBe(
        200,
      );
      expect((await t.request("DELETE", "/files/orig/c.txt")).status).toBe(200);
      expect(await (await open(made.url)).text()).toBe("original");
    });

    test("it dies when the file's bytes are replaced (PUT or a completed upload)", async () => {
      await put("replace/r.txt", "first");
      const byPut = await share({ path: "replace/r.txt" });
      await put("replace/r.txt", "second");
      await expectDead(byPut.url);

      const byUpload = await share({ path: "replace/r.txt" });
      const created = (await (
        await t.request("POST", "/files/uploads", { json: { path: "replace/r.txt" } })
      ).json()) as Json;
      const sent = await t.follow(created.url, {
        method: "PUT",
        body: "third",
        headers: { "content-type": created.content_type },
      });
      expect(sent.status).toBeLessThan(300);
      expect((await t.request("POST", "/files/uploads/complete", { json: { path: "replace/r.txt" } })).status).toBe(
        200,
      );
      await expectDead(byUpload.url);
    });

    test("it dies with the folder it is in", async () => {
      await put("doomed/d.txt", "d");
      const made = await share({ path: "doomed/d.txt" });
      expect((await t.request("DELETE", "/files/doomed/")).status).toBe(200);
      await expectDead(made.url);
    });
  });

  describe("folder shares", () => {
    let folder: Json;
    beforeAll(async () => {
      await put("album/a.txt", "photo a");
      await put("album/sub/b.txt", "photo b");
      await put("album/<b>odd<b> & 'q'.txt", "odd");
      await put("private/secret.txt", "secret");
      await put("albumx/neighbour.txt", "neighbour");
      folder = await share({ path: "album/" });
    });

    test("the link lists the folder as JSON, one level, with links to each entry", async () => {
      const res = await t.follow(folder.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = (await res.json()) as Json;
      expect(body.name).toBe("album");
      expect(body.path).toBe("");
      expect(body.truncated).toBe(false);
      // Folders first, then files by name.
      expect(body.entries.map((e: Json) => e.path)).toEqual(["sub/", "<b>odd<b> & 'q'.txt", "a.txt"]);
      const a = body.entries.find((e: Json) => e.name === "a.txt");
      expect(a).toMatchObject({ type: "file", size: 7, url: `${folder.url}/a.txt` });
      expect(await (await open(a.url)).text()).toBe("photo a");
    });

    test("the request log names the path under the link, never its token", async () => {
      // The edge as the server builds it, with the request log on.
      const logger = memoryLogger();
      const handle = createHandler(t.app, { maxBodyBytes: () => 1 << 20, logger, logRequests: () => true });
      const path = new URL(folder.url).pathname;
      for (const url of [path, `${path}/a.txt`, `${path}/sub/`, "/s/lightd_shr_not_a_real_token"]) {
        await handle(new Request(`http://localhost${url}`));
      }
      const logged = logger.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
      expect(logged.map((l) => l.path)).toEqual([
        "/s/[redacted]",
        "/s/[redacted]/a.txt",
        "/s/[redacted]/sub/",
        "/s/[redacted]",
      ]);
      expect(logger.lines.join("\n")).not.toContain(folder.token);
      expect(logger.lines.join("\n")).not.toContain("lightd_shr_");
    });

    test("/s/{token}/{path} opens files and lists subfolders under it", async () => {
      expect(await (await open(`${folder.url}/sub/b.txt`)).text()).toBe("photo b");
      const sub = (await (await t.follow(`${folder.url}/sub/`)).json()) as Json;
      expect(sub.path).toBe("sub/");
      expect(sub.entries.map((e: Json) => e.path)).toEqual(["sub/b.txt"]);
      const missing = await t.follow(`${folder.url}/nope.txt`);
      expect(missing.status).toBe(404);
    });

    test.each([
      ["../private/secret.txt"],
      ["%2e%2e/private/secret.txt"],
      ["sub/%2E%2E/%2E%2E/private/secret.txt"],
      ["..%2Fprivate%2Fsecret.txt"],
      ["%2Fprivate/secret.txt"],
      ["sub//b.txt"],
      ["%FF"],
      ["%00"],
      ["x/../../albumx/neighbour.txt"],
    ])("no escaping the folder: %s", async (rest) => {
      const res = await t.handle(new Request(`http://localhost${new URL(folder.url).pathname}/${rest}`));
      expect([400, 401, 404]).toContain(res.status);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      expect(res.headers.get("location")).toBeNull();
    });

    test("a browser gets a minimal HTML page under a strict CSP, names escaped", async () => {
      const res = await t.follow(folder.url, {
        headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("unsafe");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await res.text();
      expect(html).toContain("&lt;b&gt;odd&lt;b&gt; &amp; &#39;q&#39;.txt");
      expect(html).not.toContain("<b>odd");
      expect(html).not.toContain("<script");
      expect(html).toContain(`href="${folder.url}/a.txt"`);
    });

    test("curl-like Accept (*/*) and JSON Accept get JSON", async () => {
      for (const accept of ["*/*", "application/json", "application/json, text/html;q=0.5"]) {
        const res = await t.follow(folder.url, { headers: { accept } });
        expect(res.headers.get("content-type")).toStartWith("application/json");
      }
    });

    test("max_downloads on a folder counts file downloads, not listings", async () => {
      const capped = await share({ path: "album/", max_downloads: 1 });
      expect((await t.follow(capped.url)).status).toBe(200);
      expect((await t.follow(`${capped.url}/sub/`)).status).toBe(200);
      expect((await t.follow(`${capped.url}/a.txt`)).status).toBe(302);
      await expectDead(capped.url);
      await expectDead(`${capped.url}/a.txt`);
    });

    test("a file link has no paths under it", async () => {
      const file = await share({ path: "album/a.txt" });
      expect((await t.follow(`${file.url}/x`)).status).toBe(404);
    });

    test("the folder link follows a move and dies with the folder", async () => {
      await put("trip/t.txt", "trip");
      const made = await share({ path: "trip/" });
      expect((await t.request("POST", "/files/move", { json: { from: "trip/", to: "trips/2024/" } })).status).toBe(200);
      expect(await (await open(`${made.url}/t.txt`)).text()).toBe("trip");
      expect((await listShares()).find((s) => s.id === made.id)).toMatchObject({ path: "trips/2024/", type: "folder" });
      expect((await t.request("DELETE", "/files/trips/")).status).toBe(200);
      await expectDead(made.url);
      await expectDead(`${made.url}/t.txt`);
    });
  });
}
