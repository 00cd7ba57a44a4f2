import { afterAll, describe } from "bun:test";
import { MASTER, makeTestApp } from "../fixtures/harness";
import { runScenarios, type Scenario } from "../fixtures/scenario";

// SPEC "HTTP conventions": the versioned media type in any case, JSON, */* and no Accept
// are fine; another vnd.pkglat version is 406; `require_accept` makes the versioned type
// mandatory on protected routes only.
const me = "/auth/me";
const ping = "/api/v1/public/ping";
const auth = { authorization: `Bearer ${MASTER}` };
const NOT_ACCEPTABLE = {
  error: "not_acceptable",
  message: "Unsupported media type; use application/vnd.pkglatv1+json",
};
const REQUIRED = {
  error: "not_acceptable",
  message: "Accept: application/vnd.pkglatv1+json is required",
};

const accepting = (url: string, accept: string | null, status: number, json?: unknown): Scenario => ({
  name: accept === null ? "no Accept header" : `Accept: ${accept}`,
  method: "GET",
  url,
  headers: accept === null ? auth : { ...auth, accept },
  status,
  json,
});

describe("default Accept rules", () => {
  const t = makeTestApp();
  afterAll(() => t.close());
  runScenarios(t, [
    accepting(me, "application/vnd.pkglatv1+json", 200),
    accepting(me, "Application/vnd.pkglatv1+json", 200),
    accepting(me, "APPLICATION/VND.PKGLATV1+JSON", 200),
    accepting(me, "application/vnd.pkglatv1+json; q=0.9", 200),
    accepting(me, "application/json", 200),
    accepting(me, "*/*", 200),
    accepting(me, "text/html, application/xhtml+xml, */*;q=0.8", 200),
    accepting(me, null, 200),
    accepting(me, "application/vnd.pkglatv2+json", 406, NOT_ACCEPTABLE),
    accepting(me, "Application/VND.PKGLATV2+JSON", 406, NOT_ACCEPTABLE),
    accepting(me, "application/vnd.pkglatv0+json, application/vnd.pkglatv2+json", 406, NOT_ACCEPTABLE),
    accepting(me, "application/vnd.pkglatv2+json, application/vnd.pkglatv1+json", 200),
    accepting(me, "application/vnd.pkglatv2+json, application/json", 200),
    accepting(ping, "application/vnd.pkglatv2+json", 406, NOT_ACCEPTABLE),
    accepting(ping, null, 200),
  ]);
});

describe("authorization.require_accept: true", () => {
  const t = makeTestApp({ config: { authorization: { require_accept: true } } });
  afterAll(() => t.close());
  runScenarios(t, [
    accepting(me, "application/vnd.pkglatv1+json", 200),
    accepting(me, "Application/vnd.pkglatv1+json", 200),
    accepting(me, "application/json, application/vnd.pkglatv1+json", 200),
    accepting(me, "application/json", 406, REQUIRED),
    accepting(me, "*/*", 406, REQUIRED),
    accepting(me, null, 406, REQUIRED),
    accepting(me, "application/vnd.pkglatv2+json", 406, NOT_ACCEPTABLE),
    {
      name: "master-only POST without the versioned type",
      method: "POST",
      url: "/auth/tokens",
      headers: auth,
      body: { ttl: "1h" },
      status: 406,
      json: REQUIRED,
    },
    {
      name: "master-only POST with it",
      method: "POST",
      url: "/auth/tokens",
      headers: { ...auth, accept: "application/vnd.pkglatv1+json" },
      body: { ttl: "1h" },
      status: 200,
    },
    accepting(ping, null, 200),
    accepting(ping, "application/json", 200),
  ]);
});
