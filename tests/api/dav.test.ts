import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * WebDAV through `app.handle`: the same services as REST (tx + events), conditional
 * requests, client modtimes and checksums, and hostile bodies answered with clear errors.
 */

const t = makeTestApp();
afterAll(() => t.close());

const davOn =
  (app: TestApp) =>
  (method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit) =>
    app.request(method, `/dav/${path}`, { headers, body });
const dav = davOn(t);

// Every test reads the folder work/ with work/b.txt = "delta"; a test that writes uses a name of its own.
beforeAll(async () => {
  expect((await dav("MKCOL", "work/")).status).toBe(201);
  expect((await dav("PUT", "work/b.txt", {}, "delta")).status).toBe(201);
});

describe("one front door over the same services", () => {
  // It reads the whole event log, so it runs on an app of its own.
  test("PUT, MKCOL, COPY, MOVE and DELETE are each one tx with the REST action names", async () => {
    const t = makeTestApp();
    const dav = davOn(t);
    const log = async () =>
      ((await (await t.request("GET", "/files/log?since_tx=0")).json()) as { events: { action: string }[] }).events;
    try {
      await story(t, dav, log);
    } finally {
      await t.close();
    }
  });

  async function story(t: TestApp, dav: ReturnType<typeof davOn>, log: () => Promise<{ action: string }[]>) {
    expect((await dav("MKCOL", "work/")).status).toBe(201);
    const put = await dav("PUT", "work/a.txt", {}, "alpha");
    expect(put.status).toBe(201);
    expect(put.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await dav("PUT", "work/a.txt", {}, "alpha 2")).status).toBe(204);
    expect((await dav("COPY", "work/", { Destination: "http://localhost/dav/copied/" })).status).toBe(201);
    expect((await dav("MOVE", "copied/a.txt", { Destination: "/dav/work/b.txt" })).status).toBe(201);
    expect((await dav("DELETE", "copied/")).status).toBe(204);
    expect((await log()).map((e) => e.action)).toEqual(["mkdir", "upload", "upload", "copy", "move", "delete"]);

    const rest = await t.request("GET", "/files/work/b.txt", { headers: { accept: "application/json" } });
    expect(await rest.json()).toMatchObject({ path: "work/b.txt", size: 7 });
    expect(await (await dav("GET", "work/b.txt")).text()).toBe("alpha 2");
  }

  test("MKCOL: 405 over an existing resource, 409 without a parent, 415 with a body", async () => {
    expect((await dav("MKCOL", "work/")).status).toBe(405);
    expect((await dav("MKCOL", "nowhere/deeper/")).status).toBe(409);
    expect((await dav("MKCOL", "withbody/", { "content-type": "text/xml" }, "<x/>")).status).toBe(415);
  });

  test("COPY/MOVE: Overwrite F is 412, overwrite T replaces with 204", async () => {
    expect((await dav("PUT", "work/target.txt", {}, "alpha 2")).status).toBe(201);
    await dav("PUT", "work/c.txt", {}, "gamma");
    const f = await dav("COPY", "work/c.txt", { Destination: "/dav/work/target.txt", Overwrite: "F" });
    expect(f.status).toBe(412);
    expect((await dav("COPY", "work/c.txt", { Destination: "/dav/work/target.txt", Overwrite: "T" })).status).toBe(204);
    expect(await (await dav("GET", "work/target.txt")).text()).toBe("gamma");
    expect((await dav("MOVE", "work/c.txt", { Destination: "http://elsewhere.example/dav/x" })).status).toBe(502);
  });
});

describe("conditional requests", () => {
  test("If-Match and If-None-Match on PUT", async () => {
    expect((await dav("PUT", "work/conditional.txt", {}, "alpha 2")).status).toBe(201);
    const etag = (await dav("HEAD", "work/conditional.txt")).headers.get("etag") as string;
    expect((await dav("PUT", "work/conditional.txt", { "If-Match": '"nope"' }, "x")).status).toBe(412);
    expect((await dav("PUT", "work/conditional.txt", { "If-None-Match": "*" }, "x")).status).toBe(412);
    expect((await dav("PUT", "work/new.txt", { "If-Match": "*" }, "x")).status).toBe(412);
    expect((await dav("PUT", "work/conditional.txt", { "If-Match": etag }, "delta")).status).toBe(204);
  });

  const etagOf = async (path: string) => (await dav("HEAD", path)).headers.get("etag") as string;
  const textOf = async (path: string) => {
    const res = await dav("GET", path);
    return res.status === 200 ? res.text() : null;
  };

  test("If-Match and If-None-Match on DELETE, as on REST", async () => {
    expect((await dav("PUT", "work/doomed.txt", {}, "doomed")).status).toBe(201);
    expect((await dav("DELETE", "work/doomed.txt", { "If-Match": '"stale"' })).status).toBe(412);
    expect((await dav("DELETE", "work/doomed.txt", { "If-None-Match": "*" })).status).toBe(412);
    expect(await textOf("work/doomed.txt")).toBe("doomed");
    const etag = await etagOf("work/doomed.txt");
    expect((await dav("DELETE", "work/doomed.txt", { "If-Match": etag })).status).toBe(204);
    expect(await textOf("work/doomed.txt")).toBeNull();
  });

  test.each(["COPY", "MOVE"])("%s: If-Match names the source, If-None-Match the destination", async (method) => {
    const from = `work/${method}-from.txt`;
    const to = `work/${method}-to.txt`;
    expect((await dav("PUT", from, {}, "source")).status).toBe(201);
    const destination = { Destination: `/dav/${to}` };
    expect((await dav(method, from, { ...destination, "If-Match": '"stale"' })).status).toBe(412);
    expect(await textOf(to)).toBeNull();

    // A destination in the way: a refused request neither moves the source nor deletes the destination.
    expect((await dav("PUT", to, {}, "destination")).status).toBe(201);
    const refused: Record<string, string>[] = [
      { "If-Match": '"stale"' },
      { "If-None-Match": "*" },
      { "If-None-Match": await etagOf(to) },
    ];
    for (const condition of refused) {
      expect((await dav(method, from, { ...destination, ...condition })).status).toBe(412);
      expect(await textOf(from)).toBe("source");
      expect(await textOf(to)).toBe("destination");
    }

    expect((await dav(method, from, { ...destination, "If-Match": await etagOf(from) })).status).toBe(204);
    expect(await textOf(to)).toBe("source");
    expect(await textOf(from)).toBe(method === "COPY" ? "source" : null);
  });

  test("GET honours Range and If-None-Match with the ETag PROPFIND reports", async () => {
    const head = await dav("HEAD", "work/b.txt");
    const etag = head.headers.get("etag") as string;
    const found = await (await dav("PROPFIND", "work/b.txt", { Depth: "0" })).text();
    expect(found).toContain(`<D:getetag>${etag}</D:getetag>`);
    const part = await dav("GET", "work/b.txt", { Range: "bytes=1-3" });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe("elt");
    expect((await dav("GET", "work/b.txt", { "If-None-Match": etag })).status).toBe(304);
  });
});

describe("Destination", () => {
  // A header reaches the server as bytes, handed over as Latin-1: this is how raw UTF-8 arrives.
  const raw = (url: string) => Buffer.from(url, "utf8").toString("latin1");

  test.each(["COPY", "MOVE"])("%s to a raw UTF-8 URL names the path the client wrote", async (method) => {
    expect((await dav("PUT", `work/${method}-cv.txt`, {}, "cv")).status).toBe(201);
    const to = `work/${method}-résumé.txt`;
    const res = await dav(method, `work/${method}-cv.txt`, { Destination: raw(`http://localhost/dav/${to}`) });
    expect(res.status).toBe(201);
    expect(await (await dav("GET", encodeURI(to))).text()).toBe("cv");
    const listing = await (await t.request("GET", "/files?prefix=work/")).text();
    expect(listing).toContain(to);
    expect(listing).not.toContain("Ã");
  });

  test("a Destination whose bytes are not UTF-8 is 400", async () => {
    const latin1 = "http://localhost/dav/work/r\xe9sum\xe9.txt";
    const res = await dav("COPY", "work/b.txt", { Destination: latin1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("bad_request");
  });
});

describe("client modification times and checksums", () => {
  test("X-OC-Mtime is stored and reported as getlastmodified", async () => {
    const res = await dav("PUT", "work/m.txt", { "X-OC-Mtime": "1500000000" }, "mtime");
    expect(res.headers.get("x-oc-mtime")).toBe("accepted");
    const found = await (await dav("PROPFIND", "work/m.txt", { Depth: "0" })).text();
    expect(found).toContain(`<D:getlastmodified>${new Date(1_500_000_000_000).toUTCString()}</D:getlastmodified>`);
    expect((await dav("GET", "work/m.txt")).headers.get("last-modified")).toBe(
      new Date(1_500_000_000_000).toUTCString(),
    );
  });

  test("PROPPATCH of getlastmodified sets it; other live properties are protected", async () => {
    expect((await dav("PUT", "work/m-patched.txt", { "X-OC-Mtime": "1500000000" }, "mtime")).status).toBe(201);
    const body =
      '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>' +
      "<D:getlastmodified>Tue, 01 Jan 2019 00:00:00 GMT</D:getlastmodified></D:prop></D:set></D:propertyupdate>";
    expect((await dav("PROPPATCH", "work/m-patched.txt", {}, body)).status).toBe(207);
    const found = await (await dav("PROPFIND", "work/m-patched.txt", { Depth: "0" })).text();
    expect(found).toContain("<D:getlastmodified>Tue, 01 Jan 2019 00:00:00 GMT</D:getlastmodified>");
    const protectedBody = body.replaceAll("getlastmodified", "getcontentlength");
    const refused = await (await dav("PROPPATCH", "work/m-patched.txt", {}, protectedBody)).text();
    expect(refused).toContain("HTTP/1.1 403 Forbidden");
  });

  test("OC-Checksum: verified while streaming; a mismatch stores nothing", async () => {
    const sha1 = createHash("sha1").update("checked").digest("hex");
    expect((await dav("PUT", "work/sum.txt", { "OC-Checksum": `SHA1:${sha1}` }, "checked")).status).toBe(201);
    const body =
      '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop><oc:checksums/></D:prop></D:propfind>';
    expect(await (await dav("PROPFIND", "work/sum.txt", { Depth: "0" }, body)).text()).toContain(`SHA1:${sha1}`);
    const bad = await dav("PUT", "work/bad.txt", { "OC-Checksum": `SHA1:${"0".repeat(40)}` }, "checked");
    expect(bad.status).toBe(400);
    expect((await dav("GET", "work/bad.txt")).status).toBe(404);
  });
});

describe("PROPFIND", () => {
  test("Depth infinity (or none) is refused with propfind-finite-depth", async () => {
    const depths: Record<string, string>[] = [{ Depth: "infinity" }, {}];
    for (const headers of depths) {
      const res = await dav("PROPFIND", "", headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<D:propfind-finite-depth/>");
    }
  });

  test("Depth 1 lists the folder's members; a missing body means allprop", async () => {
    const text = await (await dav("PROPFIND", "work/", { Depth: "1" })).text();
    expect(text).toContain("<D:href>/dav/work/</D:href>");
    expect(text).toContain("<D:href>/dav/work/b.txt</D:href>");
    expect(text).toContain("<D:resourcetype><D:collection/></D:resourcetype>");
    expect(text).toContain("<D:supportedlock>");
  });
});

describe("hostile input gets a clear error, never a 500", () => {
  const propfind = (body: string, headers: Record<string, string> = {}) =>
    dav("PROPFIND", "work/", { Depth: "0", "content-type": "application/xml", ...headers }, body);

  test.each([
    [
      "a DTD with an external entity (XXE)",
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop>&e;</D:prop></D:propfind>',
    ],
    ["an undeclared entity", '<D:propfind xmlns:D="DAV:"><D:prop>&lol;</D:prop></D:propfind>'],
    ["unclosed elements", '<D:propfind xmlns:D="DAV:"><D:prop>'],
    ["an unbound prefix", "<x:propfind/>"],
    ["deep nesting", `<D:propfind xmlns:D="DAV:">${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</D:propfind>`],
    ["invalid UTF-8", new TextDecoder("latin1").decode(new Uint8Array([0x3c, 0x61, 0xff, 0x3e]))],
  ])("%s → 400", async (_name, body) => {
    const res = await propfind(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("bad_request");
  });

  test("a body over server.max_body_bytes → 413", async () => {
    const res = await propfind(`<D:propfind xmlns:D="DAV:">${" ".repeat(2 * 1024 * 1024)}</D:propfind>`);
    expect(res.status).toBe(413);
  });

  test("bad Depth, Overwrite, If and Timeout headers → 400", async () => {
    expect((await dav("PROPFIND", "work/", { Depth: "2" })).status).toBe(400);
    expect((await dav("COPY", "work/b.txt", { Destination: "/dav/work/z.txt", Overwrite: "maybe" })).status).toBe(400);
    expect((await dav("PUT", "work/b.txt", { If: "(<unterminated" }, "x")).status).toBe(400);
    expect((await dav("COPY", "work/b.txt")).status).toBe(400);
  });

  test("an unknown method is 405 with Allow", async () => {
    const res = await dav("PATCH", "work/b.txt");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("PROPFIND");
  });
});
