import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import {
  authorizationParams,
  consent,
  ISSUER,
  REDIRECT,
  type RegisteredClient,
  registerClient,
} from "../fixtures/oauth";

/**
 * `POST /oauth/authorize`, the consent form's answer, fed what a browser or a script might send
 * by mistake or on purpose: the person is asked for first (401 before anything about the app
 * is told), every refusal is a page for a browser and lightd's JSON for anything else with the
 * catalogue's status, nothing is ever redirected without a signed-in "Allow" or "Deny", and no
 * body, however broken, gets a 500.
 */
setDefaultTimeout(60_000);
const t = makeTestApp({ config: { server: { public_url: ISSUER } } });
afterAll(() => t.close());
let session = "";
let app: RegisteredClient;

beforeAll(async () => {
  session = await registerAndLogin(t, naclSigner("dora"));
  app = await registerClient(t, session);
});

const BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8";
const post = (body: BodyInit, headers: Record<string, string>) =>
  t.handle(new Request("http://localhost/oauth/authorize", { method: "POST", headers, body }));
const form = { "content-type": "application/x-www-form-urlencoded" };
const bearer = () => ({ authorization: `Bearer ${session}` });

describe("refusals", () => {
  test("nobody signed in: 401 before the app is even looked up (JSON for a script, a page for a browser)", async () => {
    const body = "client_id=nosuchapp&decision=allow";
    const script = await post(body, form);
    expect(script.status).toBe(401);
    expect(script.headers.get("location")).toBeNull();
    expect(await script.json()).toEqual({
      error: "unauthorized",
      message: "Sign in to lightd first, then open the app's link again.",
    });
    const browser = await post(body, { ...form, accept: BROWSER });
    expect(browser.status).toBe(401);
    expect(browser.headers.get("content-type")).toStartWith("text/html");
    expect(browser.headers.get("x-frame-options")).toBe("DENY");
  });

  test("a body that is not a form: 415 unsupported_media_type", async () => {
    const { params } = await authorizationParams(app.client_id);
    const res = await post(JSON.stringify({ ...Object.fromEntries(params), decision: "allow" }), {
      ...bearer(),
      "content-type": "application/json",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toBe("unsupported_media_type");
    const none = await post("x", { ...bearer(), accept: BROWSER });
    expect(none.status).toBe(415);
    expect(none.headers.get("content-type")).toStartWith("text/html");
  });

  test("an unknown app: 400, never redirected", async () => {
    const { params } = await authorizationParams("nosuchapp");
    const res = await post(new URLSearchParams({ ...Object.fromEntries(params), decision: "allow" }), {
      ...form,
      ...bearer(),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("bad_request");
  });

  test("no decision, or one that is not 'allow': access_denied at the app, never a code", async () => {
    for (const decision of [undefined, "", "ALLOW", "allow ", "yes"]) {
      const { params, state } = await authorizationParams(app.client_id);
      const body = new URLSearchParams(params);
      if (decision !== undefined) body.set("decision", decision);
      const res = await post(body, { ...form, ...bearer() });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get("location") as string);
      expect(location.origin + location.pathname).toBe(REDIRECT);
      expect(location.searchParams.get("code")).toBeNull();
      expect(location.searchParams.get("error")).toBe("access_denied");
      expect(location.searchParams.get("state")).toBe(state);
      expect(location.searchParams.get("iss")).toBe(ISSUER);
    }
  });

  test("broken and hostile form bodies are answered, never with a 500", async () => {
    const bodies = [
      "%ZZ%%%",
      "client_id=%00%01&redirect_uri=%E0%A4%A&decision=allow",
      `client_id=${app.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&decision=allow&decision=allow`,
      `client_id=${app.client_id}&client_id=${app.client_id}&decision=allow`,
      `client_id=${"x".repeat(100_000)}&decision=allow`,
      `client_id=${app.client_id}&redirect_uri=javascript:alert(1)&decision=allow`,
      "=&&==&decision",
    ];
    for (const body of bodies) {
      const res = await post(body, { ...form, ...bearer() });
      expect({ body: body.slice(0, 60), status: res.status < 500 }).toEqual({ body: body.slice(0, 60), status: true });
      const location = res.headers.get("location");
      if (location !== null) expect(location).toStartWith(`${REDIRECT}?`);
    }
  });
});

test("over the rate limit: 429 with Retry-After, as JSON and as a page", async () => {
  const limited = makeTestApp({
    config: { server: { public_url: ISSUER }, rate_limits: { authenticated: { burst: 1, per_minute: 1 } } },
  });
  try {
    const person = await registerAndLogin(limited, naclSigner("erin"));
    const { params } = await authorizationParams("nosuchapp");
    const body = () => new URLSearchParams({ ...Object.fromEntries(params), decision: "allow" });
    const headers = { ...form, authorization: `Bearer ${person}` };
    const send = (extra: Record<string, string> = {}) =>
      limited.handle(
        new Request("http://localhost/oauth/authorize", {
          method: "POST",
          headers: { ...headers, ...extra },
          body: body(),
        }),
      );
    let res = await send();
    while (res.status !== 429) {
      expect(res.status).toBe(400);
      res = await send();
    }
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("rate_limited");
    const page = await send({ accept: BROWSER });
    expect(page.status).toBe(429);
    expect(page.headers.get("retry-after")).not.toBeNull();
    expect(page.headers.get("content-type")).toStartWith("text/html");
  } finally {
    await limited.close();
  }
});

test("Allow with the browser's cookie still works (the form as the consent page posts it)", async () => {
  const { params } = await authorizationParams(app.client_id);
  const res = await consent(t, session, params);
  expect(res.status).toBe(303);
  expect(new URL(res.headers.get("location") as string).searchParams.get("code")).toMatch(/^[A-Za-z0-9]{43}$/);
});
