import { describe, expect, test } from "bun:test";
import { isBase62, newId, randomBase62, toBase62 } from "../../src/lib/ids";

describe("toBase62", () => {
  const cases: [number, number, string][] = [
    [0, 6, "000000"],
    [1, 6, "000001"],
    [61, 6, "00000z"],
    [62, 6, "000010"],
    [62 * 62 - 1, 2, "zz"],
    [2 ** 32 - 1, 6, "4gfFC3"],
    [62 ** 6 - 1, 6, "zzzzzz"],
  ];
  for (const [value, width, out] of cases) {
    test(`${value} (width ${width}) → ${out}`, () => expect(toBase62(value, width)).toBe(out));
  }

  test("keeps the low digits when the value is wider than the width", () => {
    expect(toBase62(62 ** 3, 3)).toBe("000");
    expect(toBase62(62 ** 3 + 5, 3)).toBe("005");
  });

  test("is injective on 32-bit values at width 6 (a CRC32 fits)", () => {
    expect(62 ** 6).toBeGreaterThan(2 ** 32);
    const seen = new Set<string>();
    for (let v = 2 ** 32 - 5000; v < 2 ** 32; v++) seen.add(toBase62(v, 6));
    expect(seen.size).toBe(5000);
  });
});

describe("randomBase62 / newId", () => {
  test("has the asked length and only base62 characters", () => {
    for (const length of [1, 6, 16, 32, 100]) {
      const text = randomBase62(length);
      expect(text).toHaveLength(length);
      expect(isBase62(text)).toBe(true);
    }
  });

  test("uses the whole alphabet", () => {
    expect(new Set(randomBase62(62 * 200)).size).toBe(62);
  });

  test("newId is 16 base62 characters and does not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, newId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
  });
});

describe("isBase62", () => {
  const cases: [string, boolean][] = [
    ["abcXYZ019", true],
    ["", false],
    ["a_b", false],
    ["a-b", false],
    ["a b", false],
    ["é", false],
    ["abc\n", false],
  ];
  for (const [text, ok] of cases) test(`${JSON.stringify(text)} → ${ok}`, () => expect(isBase62(text)).toBe(ok));
});
