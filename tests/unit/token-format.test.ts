import { describe, expect, test } from "bun:test";
import { crc32 } from "node:zlib";
import { newId, toBase62 } from "../../src/lib/ids";
import {
  CREDENTIAL_KINDS,
  issueToken,
  isWellFormedToken,
  MIN_TOKEN_LENGTH,
  parseIssuedToken,
  TOKEN_PREFIX,
} from "../../src/lib/token-format";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Builds `lightd_<kind>_<id>_<secret><crc>` by hand, so tests can craft odd parts with a valid checksum. */
function craft(kind: string, id: string, secret: string): string {
  const body = `${TOKEN_PREFIX}${kind}_${id}_${secret}`;
  return body + toBase62(crc32(body), 6);
}

describe("issueToken / parseIssuedToken", () => {
  for (const kind of CREDENTIAL_KINDS) {
    test(`round trip for kind ${kind}`, () => {
      const id = newId();
      const issued = issueToken(kind, id);
      expect(issued.id).toBe(id);
      expect(issued.secret).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(issued.text).toBe(`lightd_${kind}_${id}_${issued.secret}${issued.text.slice(-6)}`);
      expect(parseIssuedToken(issued.text)).toEqual({ kind, id });
      expect(isWellFormedToken(issued.text)).toBe(true);
    });
  }

  test("the secret is fresh each time", () => {
    const id = newId();
    expect(issueToken("tok", id).secret).not.toBe(issueToken("tok", id).secret);
  });

  test("a hand-built token with the same parts parses", () => {
    const id = newId();
    expect(parseIssuedToken(craft("live", id, "a".repeat(32)))).toEqual({ kind: "live", id });
  });

  test("every single-character substitution is caught", () => {
    const { text } = issueToken("tok", newId());
    for (let i = 0; i < text.length; i++) {
      const other = BASE62[(BASE62.indexOf(text[i] as string) + 1) % 62] ?? "x";
      const tampered = text.slice(0, i) + other + text.slice(i + 1);
      expect({ i, parsed: parseIssuedToken(tampered) }).toEqual({ i, parsed: null });
    }
  });

  test("swapping two different adjacent characters is caught", () => {
    const { text } = issueToken("tok", newId());
    for (let i = 11; i < text.length - 1; i++) {
      if (text[i] === text[i + 1] || text[i] === "_" || text[i + 1] === "_") continue;
      const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
      expect(parseIssuedToken(swapped)).toBeNull();
    }
  });

  const id = "0123456789abcdef";
  const secret = "S".repeat(32);
  const malformed: [string, string][] = [
    ["empty", ""],
    ["no prefix", craft("tok", id, secret).slice(TOKEN_PREFIX.length)],
    ["capital prefix", craft("tok", id, secret).replace("lightd_", "LIGHTD_")],
    ["unknown kind", craft("key", id, secret)],
    ["kind in capitals", craft("TOK", id, secret)],
    ["id one short", craft("tok", id.slice(1), secret)],
    ["id one long", craft("tok", `${id}x`, secret)],
    ["id not base62", craft("tok", "0123456789abcde-", secret)],
    ["secret one short", craft("tok", id, secret.slice(1))],
    ["secret one long", craft("tok", id, `${secret}x`)],
    ["secret not base62", craft("tok", id, `${"S".repeat(31)}!`)],
    ["extra part", craft("tok", `${id}_x`, secret)],
    ["missing part", `${TOKEN_PREFIX}tok_${secret}${toBase62(crc32(`${TOKEN_PREFIX}tok_${secret}`), 6)}`],
    ["checksum dropped", craft("tok", id, secret).slice(0, -6)],
    ["checksum of another body", craft("tok", id, secret).slice(0, -6) + craft("tok", id, "T".repeat(32)).slice(-6)],
    ["trailing space", `${craft("tok", id, secret)} `],
    ["master-style token", "lightd_ad2f7fc49ed640429c450e14ed07c8d5"],
  ];
  for (const [name, text] of malformed) {
    test(`rejects: ${name}`, () => expect(parseIssuedToken(text)).toBeNull());
  }
});

describe("isWellFormedToken (the CLI and master-token rule)", () => {
  const cases: [string, string, boolean][] = [
    ["seed example", "lightd_ad2f7fc49ed640429c450e14ed07c8d5", true],
    ["seed custom token", "lightd_my_custom_secure_token_here", true],
    ["exactly 20 chars", `lightd_${"a".repeat(MIN_TOKEN_LENGTH - 7)}`, true],
    ["19 chars", `lightd_${"a".repeat(MIN_TOKEN_LENGTH - 8)}`, false],
    ["512 chars", `lightd_${"a".repeat(505)}`, true],
    ["513 chars", `lightd_${"a".repeat(506)}`, false],
    ["no prefix", "ad2f7fc49ed640429c450e14ed07c8d5", false],
    ["prefix in capitals", "LIGHTD_ad2f7fc49ed640429c450e14ed07c8d5", false],
    ["prefix without underscore", "lightdad2f7fc49ed640429c450e14ed07c8d5", false],
    ["inner space", "lightd_ad2f7fc49ed6 0429c450e14ed07c8d5", false],
    ["tab", "lightd_ad2f7fc49ed6\t0429c450e14ed07c8d5", false],
    ["newline at the end", "lightd_ad2f7fc49ed640429c450e14ed07c8d5\n", false],
    ["non-ASCII", "lightd_ad2f7fc49ed640429c450e14ed07c8dé", false],
    ["punctuation is printable", "lightd_!#$%&'()*+,-./:;<=>?@[]^`{|}~", true],
  ];
  for (const [name, text, ok] of cases) {
    test(`${name} → ${ok}`, () => expect(isWellFormedToken(text)).toBe(ok));
  }
});
