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

  test("peek reads without refreshing recency", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.peek("a")).toBe(1);
    expect(lru.peek("zz")).toBeUndefined();
    lru.set("c", 3);
    expect(lru.peek("a")).toBeUndefined();
    expect([lru.peek("b"), lru.peek("c")]).toEqual([2, 3]);
  });

  test("deleting the newest, the oldest or the only entry keeps the order of the rest", () => {
    const lru = new LruMap<string, number>(3);
    lru.set("a", 1);
    lru.delete("a");
    lru.set("b", 2);
    lru.set("c", 3);
    lru.set("d", 4);
    lru.delete("d"); // the newest
    lru.delete("b"); // the oldest
    lru.set("e", 5);
    lru.set("f", 6);
    lru.set("g", 7); // evicts c, now the oldest
    expect(lru.size).toBe(3);
    expect(lru.peek("c")).toBeUndefined();
    expect([lru.peek("e"), lru.peek("f"), lru.peek("g")]).toEqual([5, 6, 7]);
  });

  test("keeps exactly what a plain recency list keeps, through a long mix of operations", () => {
    const capacity = 16;
    const lru = new LruMap<number, number>(capacity);
    // The model: keys from least to most recently used.
    let model: [number, number][] = [];
    let seed = 7;
    // A linear congruential generator; its low bits repeat quickly, so the high ones are used.
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor(seed / 65_536) % n;
    };
    for (let step = 0; step < 20_000; step++) {
      const key = next(40);
      const op = next(10);
      const at = model.findIndex(([k]) => k === key);
      if (op < 4) {
        lru.set(key, step);
        if (at !== -1) model.splice(at, 1);
        model.push([key, step]);
        if (model.length > capacity) model = model.slice(1);
      } else if (op < 8) {
        const expected = at === -1 ? undefined : (model[at] as [number, number])[1];
        expect(lru.get(key)).toBe(expected);
        if (at !== -1) model.push(...model.splice(at, 1));
      } else if (op < 9) {
        expect(lru.peek(key)).toBe(at === -1 ? undefined : (model[at] as [number, number])[1]);
      } else {
        lru.delete(key);
        if (at !== -1) model.splice(at, 1);
      }
      expect(lru.size).toBe(model.length);
    }
    for (const [key, value] of model) expect(lru.peek(key)).toBe(value);
  });
});
