import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { type SmtpFixture, startSmtp } from "../fixtures/smtp";

/**
 * A sign-in link goes to exactly the one address it was asked for. Mail libraries read `,` and
 * `;` as list separators and `"…"`, `(…)`, `<…>` and `:` as address syntax, so an "address"
 * holding them would mail the link (and every retry, past the per-address limit) to someone
 * else. Checked against a real SMTP server.
 */
let smtp: SmtpFixture;
let app: TestApp;
beforeAll(async () => {
  smtp = await startSmtp();
  app = makeTestApp({
    config: {
      server: { public_url: "https://files.example.com" },
      smtp: { host: "127.0.0.1", port: smtp.port, secure: false },
    },
  });
});
afterAll(async () => {
  await app.close();
  await smtp.stop();
});

const ask = (email: string) => app.request("POST", "/auth/magic-link", { token: null, json: { email } });

describe("magic-link recipients", () => {
  for (const email of [
    "x,victim@example.com",
    "x;victim@example.com",
    "x:victim@example.com",
    '"x"victim@example.com',
    "(x)victim@example.com",
    "x\\victim@example.com",
    "[x]victim@example.com",
  ]) {
    test(`400 and no mail for ${JSON.stringify(email)}`, async () => {
      const res = await ask(email);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("bad_request");
      expect(smtp.messages.flatMap((m) => m.to)).not.toContain("victim@example.com");
    });
  }

  test("an ordinary address with the characters RFC 5322 allows unquoted gets its link", async () => {
    const email = "jane.doe+files_2-x!#$%&'*/=?^`{|}~@example.com";
    expect((await ask(email)).status).toBe(200);
    const mail = await smtp.waitFor(email);
    expect(mail.to).toEqual([email]);
  });
});
