import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";

/**
 * Cookie-authenticated writes come only from lightd's own origin, judged once at the request
 * edge by `Sec-Fetch-Site`, else `Origin`. Requests that carry `Authorization` or `?token=`
 * are not affected (a foreign page cannot make a browser add those). JSON routes take only
 * JSON bodies: a form or multipart body, which any foreign page can post, is 415.
 */
const t = makeTestApp();
afterAll(() => t.close());
let session = "";
let cookie = "";

beforeAll(async () => {
  session = await registerAndLogin(t, naclSigner("victim"));
  cookie = `lightd_session=${encodeURIComponent(session)}`;
});

type Credential = "cookie" | "bearer" | "query";

interface Row {
  name: string;
  credential: Credential;
  method?: string;
  headers?: Record<string, string>;
  /** A form body instead of JSON. */
  body?: { type: string; text: string };
  status: number;
  error?: string;
}

const ROWS: Row[] = [
  {
    name: "cookie, Sec-Fetch-Site: cross-site",
    credential: "cookie",
    headers: { "sec-fetch-site": "cross-site" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, Sec-Fetch-Site: same-site (another port of the host)",
    credential: "cookie",
    headers: { "sec-fetch-site": "same-site" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, Sec-Fetch-Site: same-origin",
    credential: "cookie",
    headers: { "sec-fetch-site": "same-origin" },
    status: 200,
  },
  {
    name: "cookie, Sec-Fetch-Site: none (typed by the user)",
    credential: "cookie",
    headers: { "sec-fetch-site": "none" },
    status: 200,
  },
  {
    name: "cookie, Sec-Fetch-Site wins over a matching Origin",
    credential: "cookie",
    headers: { "sec-fetch-site": "cross-site", origin: "http://localhost" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, foreign Origin (older browser)",
    credential: "cookie",
    headers: { origin: "http://evil.example" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, Origin on another port",
    credential: "cookie",
    headers: { origin: "http://localhost:8081" },
    status: 403,
    error: "forbidden",
  },
  { name: "cookie, Origin: null", credential: "cookie", headers: { origin: "null" }, status: 403, error: "forbidden" },
  { name: "cookie, lightd's own Origin", credential: "cookie", headers: { origin: "http://localhost" }, status: 200 },
  { name: "cookie, neither header (not a browser)", credential: "cookie", status: 200 },
  {
    name: "cookie, DELETE from another site",
    credential: "cookie",
    method: "DELETE",
    headers: { "sec-fetch-site": "cross-site" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, PUT upload from another site",
    credential: "cookie",
    method: "PUT",
    headers: { "sec-fetch-site": "same-site" },
    status: 403,
    error: "forbidden",
  },
  {
    name: "cookie, GET from another site is only a read",
    credential: "cookie",
    method: "GET",
    headers: { "sec-fetch-site": "cross-site" },
    status: 200,
  },
  {
    name: "Bearer from another site is not affected",
    credential: "bearer",
    headers: { "sec-fetch-site": "cross-site", origin: "http://evil.example" },
    status: 200,
  },
  {
    name: "?token= from another site is not affected",
    credential: "query",
    headers: { "sec-fetch-site": "cross-site" },
    status: 200,
  },
  {
    name: "cookie, form body from lightd's own page",
    credential: "cookie",
    headers: { "sec-fetch-site": "same-origin" },
    body: { type: "application/x-www-form-urlencoded", text: "path=form%2F" },
    status: 415,
    error: "unsupported_media_type",
  },
  {
    name: "Bearer, multipart body",
    credential: "bearer",
    body: {
      type: "multipart/form-data; boundary=b",
      text: '--b\r\nContent-Disposition: form-data; name="path"\r\n\r\nmp/\r\n--b--\r\n',
    },
    status: 415,
    error: "unsupported_media_type",
  },
  {
    name: "Bearer, text/plain body",
    credential: "bearer",
    body: { type: "text/plain", text: '{"path":"plain/"}' },
    status: 415,
    error: "unsupported_media_type",
  },
];

describe("cookie-authenticated writes only from lightd's own origin", () => {
  ROWS.forEach((row, i) => {
    test(row.name, async () => {
      const method = row.method ?? "POST";
      const folder = `row-${i}/`;
      let url =
        method === "POST"
          ? "/files/mkdir"
          : method === "PUT"
            ? `/files/row-${i}.txt`
            : method === "DELETE"
              ? "/files/keep.txt"
              : "/files";
      const headers: Record<string, string> = { ...row.headers };
      if (row.credential === "cookie") headers.cookie = cookie;
      if (row.credential === "bearer") headers.authorization = `Bearer ${session}`;
      if (row.credential === "query") url += `?token=${encodeURIComponent(session)}`;
      let body: string | undefined;
      if (row.body) {
        headers["content-type"] = row.body.type;
        body = row.body.text;
      } else if (method === "POST") {
        headers["content-type"] = "application/json";
        body = JSON.stringify({ path: folder });
      } else if (method === "PUT") body = "bytes";
      if (method === "DELETE") await t.request("PUT", "/files/keep.txt", { token: session, body: "keep" });

      const res = await t.handle(new Request(`http://localhost${url}`, { method, headers, body }));
      expect(res.status).toBe(row.status);
      if (row.error) {
        const json = (await res.json()) as { error: string; message: string };
        expect(json.error).toBe(row.error);
        expect(json.message.length).toBeGreaterThan(10);
      }
      // A refused write changed nothing.
      if (row.status >= 400 && method === "POST") {
        expect(
          (await t.request("GET", `/files/${folder}`, { token: session, headers: { accept: "application/json" } }))
            .status,
        ).toBe(404);
      }
      if (row.status >= 400 && method === "PUT") {
        expect((await t.request("GET", url, { token: session, headers: { accept: "application/json" } })).status).toBe(
          404,
        );
      }
      if (row.status >= 400 && method === "DELETE") {
        expect(
          (await t.request("GET", "/files/keep.txt", { token: session, headers: { accept: "application/json" } }))
            .status,
        ).toBe(200);
      }
    });
  });

  test("a cross-site logout with the cookie is refused and the session lives on", async () => {
    const res = await t.handle(
      new Request("http://localhost/auth/logout", {
        method: "POST",
        headers: { cookie, "sec-fetch-site": "cross-site" },
      }),
    );
    expect(res.status).toBe(403);
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(200);
  });

  test("with server.public_url, that origin is lightd's own", async () => {
    const app = makeTestApp({ config: { server: { public_url: "https://files.example.com" } } });
    try {
      const token = await registerAndLogin(app, naclSigner("owner"));
      const post = (origin: string) =>
        app.handle(
          new Request("http://10.0.0.5:8070/files/mkdir", {
            method: "POST",
            headers: { cookie: `lightd_session=${token}`, origin, "content-type": "application/json" },
            body: JSON.stringify({ path: `o-${origin.length}/` }),
          }),
        );
      expect((await post("https://files.example.com")).status).toBe(200);
      expect((await post("https://evil.example.com")).status).toBe(403);
    } finally {
      await app.close();
    }
  });
});

// Behind a trusted proxy without public_url, lightd's public origin is the forwarded one
// (http/links.ts): the same rule decides where links point and which pages are lightd's own.
describe("behind a trusted proxy, the forwarded origin is lightd's own", () => {
  const proxied = makeTestApp({ config: { server: { trust_proxy: true } } });
  afterAll(() => proxied.close());
  const mkdir = (cookieHeader: string, headers: Record<string, string>, path: string) =>
    proxied.handle(
      new Request("http://127.0.0.1:8080/files/mkdir", {
        method: "POST",
        headers: { cookie: cookieHeader, "content-type": "application/json", ...headers },
        body: JSON.stringify({ path }),
      }),
    );
  const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "files.example.com" };

  test("a page from the forwarded origin may write with the cookie; another origin may not", async () => {
    const own = `lightd_session=${encodeURIComponent(await registerAndLogin(proxied, naclSigner("proxied")))}`;
    expect((await mkdir(own, { ...forwarded, origin: "https://files.example.com" }, "ok/")).status).toBe(200);
    expect((await mkdir(own, { ...forwarded, origin: "https://evil.example" }, "no/")).status).toBe(403);
    // Without the proxy's word, that origin is foreign.
    expect((await mkdir(own, { origin: "https://files.example.com" }, "no2/")).status).toBe(403);
  });
});
