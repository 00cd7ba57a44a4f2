import { describe, expect, test } from "bun:test";
import { hashSecret, secretsEqual, sha256Hex, verifySecret } from "../../src/lib/secrets";

describe("secretsEqual", () => {
  const cases: [string, string, boolean][] = [
    ["lightd_same_token_0123456789", "lightd_same_token_0123456789", true],
    ["lightd_same_token_0123456789", "lightd_same_token_012345678", false],
    ["lightd_same_token_0123456789", "lightd_same_token_0123456780", false],
    ["", "", true],
    ["a", "", false],
  ];
  for (const [a, b, eq] of cases)
    test(`${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${eq}`, () => expect(secretsEqual(a, b)).toBe(eq));
});

describe("argon2id", () => {
  test("hashSecret makes an argon2id hash that verifySecret accepts, and only for the secret", async () => {
    const stored = await hashSecret("s3cret-secret-secret");
    expect(stored).toStartWith("$argon2id$");
    expect(await verifySecret(stored, "s3cret-secret-secret")).toBe(true);
    expect(await verifySecret(stored, "s3cret-secret-secreT")).toBe(false);
  });

  test("hashes are salted", async () => {
    expect(await hashSecret("x")).not.toBe(await hashSecret("x"));
  });

  test("a malformed stored hash is a mismatch, not a throw", async () => {
    expect(await verifySecret("not-a-hash", "x")).toBe(false);
    expect(await verifySecret("", "x")).toBe(false);
  });
});

test("sha256Hex", () => {
  expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
