import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, ensureBinary, makeTempDir, pollUntil, type RunningServer, startServer } from "../fixtures/binary";
import { documentedOperations, type OpenApiDocument } from "../fixtures/openapi";
import { type RunningPrism, startPrism } from "../fixtures/prism";
import { CONTRACT_SIGNING_SECRET, errorSteps, mailSteps } from "./errors";
import { feedSteps, hookSteps, shareSteps } from "./live";
import { CONTRACT_ISSUER, oauthSteps } from "./oauth";
import { inviteSteps, quotaSteps } from "./quotas";
import { ContractRun } from "./run";
import { happyPath, type Samples } from "./steps";
import { rateLimitSteps, sweepSteps } from "./sweeps";

/**
 * The contract test: the compiled binary behind the Stoplight Prism validating proxy, and a
 * scripted run of every operation in `/swagger/json`: the happy path and each documented
 * error. Prism checks every request and answer against the document; the run must see no
 * violation, get the status each step expects, and leave no documented (operation, status)
 * unexercised. A second server with one-request rate budgets supplies the 429s.
 */

setDefaultTimeout(420_000);
const MASTER = "lightd_contract_master_token_0123456789";

interface Stack {
  server: RunningServer;
  prism: RunningPrism;
  doc: OpenApiDocument;
}

/** Documented answers this run cannot provoke, each with the reason. */
const NOT_EXERCISED: Record<string, string> = {
  "GET /s/{token} 404": "a live link whose file vanishes between the link check and the read (a race)",
  "HEAD /s/{token} 404": "a live link whose file vanishes between the link check and the read (a race)",
  "POST /files/move 507": "only a full disk (tests/api/disk-full.test.ts): a move adds nothing to a quota",
  "POST /files/restore 507": "a restore over an account's quota: the contract run writes as the admin, who has none",
  "POST /admin/backups 503":
    "only a shutdown during the backup (tests/api/backups-stop.test.ts): a race through the proxy",
};

async function stack(config: Record<string, unknown>): Promise<Stack> {
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { token: MASTER },
      signing_secret: CONTRACT_SIGNING_SECRET,
      ...config,
    }),
  );
  // Four servers and four proxies start at once: give a busy machine time.
  const server = await startServer({ dir, readyTimeoutMs: 120_000 });
  const doc = (await (await fetch(`${server.url}/swagger/json`)).json()) as OpenApiDocument;
  const documentPath = join(dir, "openapi.json");
  writeFileSync(documentPath, JSON.stringify(doc));
  const prism = await startPrism(documentPath, server.url);
  return { server, prism, doc };
}

let main: Stack;
let limited: Stack;
let mail: Stack;
let mailOut: Stack;
/** Stands in for Cloudflare's Turnstile verifier: only the response "pass" passes. */
const turnstile = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: async (request) => Response.json({ success: (await request.formData()).get("response") === "pass" }),
});
/** An SMTP port nothing listens on. */
const closedPort = (() => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  return port;
})();
beforeAll(async () => {
  await ensureBinary();
  [main, limited, mail, mailOut] = await Promise.all([
    stack({
      server: { max_body_bytes: 1024, max_upload_bytes: 65_536 },
      webhooks: { allow_private: true },
      backups: { to: "backups" },
      // The run sends many bad tokens on purpose (401 on every route).
      rate_limits: { auth_failures: { burst: 10_000, per_minute: 10_000 } },
    }),
    stack({
      accounts: { registration: "invite" },
      // An OAuth issuer, so the token endpoints reach their rate limits (and not the missing setting).
      server: { public_url: CONTRACT_ISSUER },
      rate_limits: Object.fromEntries(
        [
          "register",
          "challenge",
          "verify",
          "magic_link",
          "magic_link_per_address",
          "authenticated",
          "auth_failures",
        ].map((name) => [name, { burst: 1, per_minute: 0 }]),
      ),
    }),
    stack({
      smtp: { host: "127.0.0.1", port: closedPort },
      turnstile: { secret: "contract-turnstile-secret", verify_url: `http://127.0.0.1:${turnstile.port}/verify` },
    }),
    // Links can be sent, but the SMTP server is unreachable.
    stack({ smtp: { host: "127.0.0.1", port: closedPort }, server: { public_url: CONTRACT_ISSUER } }),
  ]);
}, 420_000);
afterAll(async () => {
  await Promise.all([main?.prism.stop(), limited?.prism.stop(), mail?.prism.stop(), mailOut?.prism.stop()]);
  turnstile.stop(true);
  await cleanupE2E();
});

test("a Prism that cannot start is reported with its own output, not a timeout", async () => {
  const missing = join(makeTempDir(), "missing.json");
  const failure = await startPrism(missing, "http://127.0.0.1:1").then(
    () => "started",
    (e: Error) => e.message,
  );
  expect(failure).toContain("never came up");
  expect(failure).toContain("exited with code");
  expect(failure).toContain(`Error opening file "${missing}"`);
});

test("Prism is validating: a request that breaks the document is refused by the proxy", async () => {
  const res = await fetch(`${main.prism.url}/files/mkdir`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
    body: JSON.stringify({ folder: "no-path-field/" }),
  });
  expect(res.status).toBe(422);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
});

test("every documented operation and answer, through the validating proxy: no violations", async () => {
  const run = new ContractRun(main.doc, main.prism.url, main.server.url, MASTER);
  // Without SMTP the link is written to the server's log (a warning, on stderr).
  const magicLink = async () => {
    const found = () => /token=(lightd_mlk_[\w-]+)/.exec(main.server.stderr.text)?.[1];
    await pollUntil(async () => found() !== undefined, 10_000);
    return found() as string;
  };
  const samples: Samples = await happyPath(run, magicLink);
  await sweepSteps(run, main.doc, samples);
  await errorSteps(run, samples);
  await shareSteps(run, samples);
  await feedSteps(run, MASTER);
  await inviteSteps(run);
  await quotaSteps(run);
  await hookSteps(run);
  const limitedRun = new ContractRun(limited.doc, limited.prism.url, limited.server.url, MASTER);
  // That server takes new accounts by invite only, and spends its one registration on the refusal.
  await limitedRun.call("POST /auth/register", "/auth/register", 403, {
    token: null,
    json: { actor: "zed", public_key: samples.publicKey },
  });
  await rateLimitSteps(limitedRun, limited.doc, samples);
  const mailRun = new ContractRun(mail.doc, mail.prism.url, mail.server.url, MASTER);
  const mailOutRun = new ContractRun(mailOut.doc, mailOut.prism.url, mailOut.server.url, MASTER);
  await mailSteps(mailRun, mailOutRun);
  // Only the stack with a public URL has an OAuth issuer.
  await oauthSteps(run, mailOutRun);
  // The mail stack has no backups.to.
  await mailRun.call("POST /admin/backups", "/admin/backups", 409);
  for (const other of [limitedRun, mailRun, mailOutRun]) {
    for (const key of other.covered) run.covered.add(key);
    run.problems.push(...other.problems);
  }

  if (run.problems.length > 0) {
    // Prism's own log names the violated rule when its answer cannot (HEAD has no body).
    console.error(
      main.prism
        .output()
        .split("\n")
        .filter((l) => /error|violat/i.test(l))
        .join("\n"),
    );
  }
  const uncovered = run.uncovered().filter((key) => !(key in NOT_EXERCISED));
  expect({ problems: run.problems, uncovered }).toEqual({ problems: [], uncovered: [] });
  expect(documentedOperations(main.doc).length).toBeGreaterThan(30);
});
