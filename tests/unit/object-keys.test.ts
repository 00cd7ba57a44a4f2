import { describe, expect, test } from "bun:test";
import { isObjectKey } from "../../src/storage/blob/blob-store";
import { newObjectKey } from "../../src/storage/blob/object-keys";

describe("newObjectKey", () => {
  test("keys are 16 base62 characters, valid object keys, and never repeat", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const key = newObjectKey();
      expect(key).toMatch(/^[0-9A-Za-z]{16}$/);
      keys.add(key);
    }
    expect(keys.size).toBe(100_000);
    for (const key of [...keys].slice(0, 100)) expect(isObjectKey(key)).toBe(true);
  });

  test("keys made within a quarter second share their first two characters; the next quarter draws them anew", () => {
    const at = 1_000_000;
    const first = newObjectKey(at);
    for (const ms of [0, 1, 100, 249.9]) {
      const key = newObjectKey(at + ms);
      expect(key.slice(0, 2)).toBe(first.slice(0, 2));
      expect(key.slice(2)).not.toBe(first.slice(2));
    }
    // Each later quarter draws a prefix of its own: out of 20 draws, several differ.
    const prefixes = new Set<string>();
    for (let quarter = 1; quarter <= 20; quarter++) prefixes.add(newObjectKey(at + quarter * 250).slice(0, 2));
    expect(prefixes.size).toBeGreaterThan(10);
  });

  test("a clock that goes back draws a new prefix rather than keeping one for longer", () => {
    const later = newObjectKey(5_000_000);
    const prefixes = new Set([later.slice(0, 2)]);
    for (let i = 1; i <= 10; i++) prefixes.add(newObjectKey(5_000_000 - i * 1_000).slice(0, 2));
    expect(prefixes.size).toBeGreaterThan(5);
  });

  test("over time every prefix is drawn: the shard directories fill evenly", () => {
    const counts = new Map<string, number>();
    for (let quarter = 0; quarter < 40_000; quarter++) {
      const prefix = newObjectKey(10_000_000 + quarter * 250).slice(0, 2);
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    }
    // 62 × 62 = 3,844 prefixes, about 10.4 draws each.
    expect(counts.size).toBeGreaterThan(3_800);
    expect(Math.max(...counts.values())).toBeLessThan(40);
  });
});
