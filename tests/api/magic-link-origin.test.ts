import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { decodeQuotedPrintable, type SmtpFixture, startSmtp } from "../fixtures/smtp";

/**
 * An e-mailed sign-in link never takes its origin from the request: whoever asks for a link
 * for someone else's address controls the Host header, so a Host-built link would hand them
 * the victim's token. Checked against a real SMTP server.
 */
let smtp: SmtpFixture;
const apps: TestApp[] = [];
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await smtp.stop();
});

function appWith(server: Record<string, unknown>, withSmtp = true): TestApp {
  const app = makeTestApp({
    config: {
      server,
      ...(withSmtp ? { smtp: { host: "127.0.0.1", port: smtp.port, secure: false } } : {}),
    },
  });
  apps.push(app);
  return app;
}

/** POST /auth/magic-link as an attacker would send it: a Host (and forwarded headers) of their choosing. */
function askFromEvilHost(app: TestApp, email: string): Promise<Response> {
  return app.handle(
    new Request("http://evil.example/auth/magic-link", {
      method: "POST",
      headers: {
        host: "evil.example",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "https",
        "content-type": "application/json",
      },
      body: JSON.stringify({ email }),
    }),
  );
}

describe("magic-link origin", () => {
  test("SMTP on and server.public_url unset: 503 naming the setting, and no mail is sent", async () => {
    const app = appWith({});
    const res = await askFromEvilHost(app, "victim1@example.com");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("service_unavailable");
    expect(body.message).toContain("server.public_url");
    expect(smtp.messages.filter((m) => m.to.includes("victim1@example.com"))).toEqual([]);
    expect(smtp.messages.some((m) => m.raw.includes("evil.example"))).toBe(false);
    // No link was stored either.
    expect(app.db.query("SELECT count(*) AS n FROM magic_links").get()).toEqual({ n: 0 });
  });

  test("with server.public_url the mail links there, whatever Host and X-Forwarded-* say (even behind a trusted proxy)", async () => {
    const app = appWith({ public_url: "https://files.example.com/", trust_proxy: true });
    const res = await askFromEvilHost(app, "victim2@example.com");
    expect(res.status).toBe(200);
    const mail = await smtp.waitFor("victim2@example.com");
    const body = decodeQuotedPrintable(mail.raw);
    expect(body).not.toContain("evil.example");
    const links = [...body.matchAll(/https?:\/\/[^\s"<>/]+\/auth\/magic-link\/verify\?token=lightd_mlk_\w+/g)];
    expect(links.length).toBeGreaterThanOrEqual(2);
    for (const [link] of links) expect(link).toStartWith("https://files.example.com/auth/magic-link/verify?token=");
  });

  test("no SMTP and no public_url: the log gets only the link's path and says to set server.public_url", async () => {
    const app = appWith({}, false);
    const res = await askFromEvilHost(app, "dev@example.com");
    expect(res.status).toBe(200);
    const line = app.logs
      .map((l) => JSON.parse(l) as { msg: string; to?: string; link?: string })
      .find((l) => l.to === "dev@example.com");
    expect(line?.link).toMatch(/^\/auth\/magic-link\/verify\?token=lightd_mlk_/);
    expect(line?.msg).toContain("server.public_url");
    expect(app.logs.join("\n")).not.toContain("evil.example");
  });
});
