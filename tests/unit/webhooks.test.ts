import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { isPrivateAddress } from "../../src/lib/public-address";
import { SecretBox } from "../../src/lib/sealed";
import { newWebhookSecret, webhookHeaders } from "../../src/lib/webhook-signature";
import { RETRY_FOR_MS, retryDelay } from "../../src/modules/hooks/dispatcher";

describe("webhook signatures", () => {
  test("the npm standardwebhooks library verifies lightd's signature, and refuses a changed body", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "file.upload", data: { tx: 1 } });
    const headers = webhookHeaders(secret, "msg_1", body, Date.now());
    expect(headers["webhook-signature"]).toMatch(/^v1,/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  test("secrets are sealed at rest and only the same signing secret opens them", () => {
    const box = new SecretBox("a-signing-secret-of-at-least-32-characters", "webhooks");
    const sealed = box.seal("whsec_abc");
    expect(sealed).not.toContain("whsec_abc");
    expect(box.open(sealed)).toBe("whsec_abc");
    expect(() => new SecretBox("another-signing-secret-of-32-characters!!", "webhooks").open(sealed)).toThrow();
  });
});

describe("retry schedule", () => {
  test("first retry within 5 s, doubling, never more than 10 minutes apart, for 24 hours", () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelay(i + 1) / 1000);
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600, 600]);
    // Attempts until the 24 hours are used up.
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelay(attempts) <= RETRY_FOR_MS) elapsed += retryDelay(attempts++);
    expect(attempts).toBeGreaterThan(140);
  });
});

describe("outbound address rule", () => {
  test.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.20.0.1", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["::", true],
    ["fd00::1", true],
    ["fe80::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:10.0.0.1", true],
    ["64:ff9b::10.0.0.1", true],
    ["not-an-ip", true],
    ["8.8.8.8", false],
    ["1.1.1.1", false],
    ["2606:4700:4700::1111", false],
    ["::ffff:8.8.8.8", false],
  ])("%s private: %p", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
