import { describe, expect, test } from "bun:test";
import { MAX_TTL_MS, parseTtl } from "../../src/lib/ttl";

describe("parseTtl", () => {
  const good: [string, number][] = [
    ["30s", 30_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["1s", 1_000],
    ["90m", 5_400_000],
    ["365d", MAX_TTL_MS],
    ["8760h", MAX_TTL_MS],
    ["525600m", MAX_TTL_MS],
    ["31536000s", MAX_TTL_MS],
  ];
  for (const [text, ms] of good) test(`${text} → ${ms} ms`, () => expect(parseTtl(text)).toBe(ms));

  const bad = [
    "",
    "0s",
    "0d",
    "00h",
    "01h",
    "-1h",
    "+1h",
    "1.5h",
    "1e3s",
    "1w",
    "1y",
    "1ms",
    "1H",
    "h",
    "60",
    " 1h",
    "1h ",
    "1h\n",
    "1 h",
    "1h30m",
    "366d",
    "8761h",
    "31536001s",
    "9999999d",
    "99999999s",
    "100000000s",
    "١h",
    `${"9".repeat(1000)}d`,
  ];
  for (const text of bad) test(`${JSON.stringify(text)} → null`, () => expect(parseTtl(text)).toBeNull());

  test("MAX_TTL_MS is one year", () => expect(MAX_TTL_MS).toBe(365 * 24 * 3_600_000));
});
