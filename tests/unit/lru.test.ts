import { describe, expect, test } from "bun:test";
import { LruMap } from "../../src/lib/lru";

describe("LruMap", () => {
  test("never holds more than its capacity; the oldest goes first", () => {
    const lru = new LruMap<string, number>(3);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) lru.set(k, i);
    expect(lru.size).toBe(3);
    expect(lru.get("a")).toBeUndefined();
    expect([lru.get("b"), lru.get("c"), lru.get("d")]).toEqual([1, 2, 3]);
  });

  test("get refreshes recency", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(1);
    expect(lru.get("c")).toBe(3);
  });

  test("set on an existing key replaces the value and refreshes it, without growing", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("a", 10);
    expect(lru.size).toBe(2);
    lru.set("c", 3);
    expect(lru.get("a")).toBe(10);
    expect(lru.get("b")).toBeUndefined();
  });

  test("a miss does not disturb the order", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("zz")).toBeUndefined();
    lru.set("c", 3);
    expect(lru.get("a")).toBeUndefined();
  });

  test("delete and clear", () => {
    const lru = new LruMap<string, number>(3);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.delete("a");
    lru.delete("missing");
    expect(lru.size).toBe(1);
    expect(lru.get("a")).toBeUndefined();
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.get("b")).toBeUndefined();
  });

  test("capacity 1 keeps only the latest", () => {
    const lru = new LruMap<number, string>(1);
    lru.set(1, "x");
    lru.set(2, "y");
    expect(lru.size).toBe(1);
    expect(lru.get(1)).toBeUndefined();
    expect(lru.get(2)).toBe("y");
  });

  test("stays bounded under many distinct keys", () => {
    const lru = new LruMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) lru.set(i, i);
    expect(lru.size).toBe(100);
    expect(lru.get(9_899)).toBeUndefined();
    expect(lru.get(9_900)).toBe(9_900);
  });
});
