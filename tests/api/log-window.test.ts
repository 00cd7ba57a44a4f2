import { afterAll, beforeAll, expect, test } from "bun:test";
import { createKey } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";

/**
 * `/files/log?order=desc` reads the newest changes first, and `before_tx` pages back from
 * there, so a client showing recent activity reads only what it shows, whatever the log's
 * length. Filters (a path, a key's prefix) apply as they do oldest first.
 */
const t = makeTestApp();
afterAll(() => t.close());
let docsKey = "";

beforeAll(async () => {
  for (const path of ["docs/1.txt", "other/2.txt", "docs/3.txt", "other/4.txt", "docs/5.txt"]) {
    expect((await t.request("PUT", `/files/${path}`, { body: path })).status).toBe(200);
  }
  docsKey = (await createKey(t, t.master, { name: "docs", prefix: "docs/" })).token;
});

async function txs(query: string, token = t.master): Promise<number[]> {
  const response = await t.request("GET", `/files/log?${query}`, { token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: { tx: number }[] }).events.map((e) => e.tx);
}

test("the newest first, and the ones before them with before_tx", async () => {
  expect(await txs("order=desc&limit=2")).toEqual([5, 4]);
  expect(await txs("order=desc&limit=2&before_tx=4")).toEqual([3, 2]);
  expect(await txs("order=desc&limit=2&before_tx=2")).toEqual([1]);
  expect(await txs("order=desc&limit=10&since_tx=3")).toEqual([5, 4]);
  expect(await txs("order=asc&limit=10&before_tx=3")).toEqual([1, 2]);
  expect(await txs("limit=10")).toEqual([1, 2, 3, 4, 5]);
});

test("a path or a key's prefix filters the newest first too", async () => {
  expect(await txs("order=desc&limit=2&path=docs/")).toEqual([5, 3]);
  expect(await txs("order=desc&limit=2&path=docs/&before_tx=3")).toEqual([1]);
  expect(await txs("order=desc&limit=10", docsKey)).toEqual([5, 3, 1]);
});

test("a bad order or before_tx is 400, saying what it takes", async () => {
  for (const [query, words] of [
    ["order=newest", `'order': expected one of "asc", "desc"`],
    ["before_tx=0", "Expected integer to be greater or equal to 1"],
    ["before_tx=x", "'before_tx': expected an integer of at least 1"],
  ] as [string, string][]) {
    const response = await t.request("GET", `/files/log?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain(words);
  }
});
