import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";

/**
 * A key limited to `docs/` never sees a path outside `docs/` in `/files/log`. A move that
 * crosses the prefix stays in its log (a client syncing `docs/` must learn a file left or
 * arrived), with the outside end and the message redacted to null.
 */
const t = makeTestApp();
afterAll(() => t.close());
let docsKey = "";

interface LoggedEvent {
  action: string;
  path: string | null;
  dest?: string | null;
  msg: string | null;
}

beforeAll(async () => {
  const put = (path: string) => t.request("PUT", `/files/${path}`, { body: "x" });
  const move = (from: string, to: string, message: string) =>
    t.request("POST", "/files/move", { json: { from, to, message } });
  await put("docs/a.txt");
  await put("docs/b.txt");
  await put("secret/plan.txt");
  await put("docs/sub/c.txt");
  await move("docs/a.txt", "secret/stolen-a.txt", "hide a in secret/stolen-a");
  await move("secret/plan.txt", "docs/plan.txt", "publish the secret plan");
  await move("docs/b.txt", "docs/b2.txt", "rename b");
  await move("docs/sub/", "secret/sub-moved/", "secret reorganisation");
  const copied = await t.request("POST", "/files/copy", {
    json: { from: "docs/b2.txt", to: "secret/b-copy.txt", message: "secret copy" },
  });
  expect(copied.status).toBe(200);
  docsKey = (await createKey(t, t.master, { name: "docs", prefix: "docs/" })).token;
});

async function logOf(token: string, query: string): Promise<LoggedEvent[]> {
  const res = await t.request("GET", `/files/log${query}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: LoggedEvent[] }).events;
}

const crossing = {
  out: { action: "move", path: "docs/a.txt", dest: null, msg: null },
  in: { action: "move", path: null, dest: "docs/plan.txt", msg: null },
  inside: { action: "move", path: "docs/b.txt", dest: "docs/b2.txt", msg: "rename b" },
  folderOut: { action: "move", path: "docs/sub/", dest: null, msg: null },
  copyOut: { action: "copy", path: "docs/b2.txt", dest: null, msg: null },
};

const ROWS: { name: string; query: string; events: Partial<LoggedEvent>[] }[] = [
  {
    name: "the whole log",
    query: "",
    events: [
      { action: "upload", path: "docs/a.txt" },
      { action: "upload", path: "docs/b.txt" },
      { action: "upload", path: "docs/sub/c.txt" },
      crossing.out,
      crossing.in,
      crossing.inside,
      crossing.folderOut,
      crossing.copyOut,
    ],
  },
  { name: "a moved-out file's own path", query: "?path=docs/a.txt", events: [{ path: "docs/a.txt" }, crossing.out] },
  { name: "a moved-in file's own path", query: "?path=docs/plan.txt", events: [crossing.in] },
  { name: "a folder moved out", query: "?path=docs/sub/", events: [{ path: "docs/sub/c.txt" }, crossing.folderOut] },
  {
    name: "since a tx",
    query: "?since_tx=4",
    events: [crossing.out, crossing.in, crossing.inside, crossing.folderOut, crossing.copyOut],
  },
  { name: "a copied-out file's own path", query: "?path=docs/b2.txt", events: [crossing.inside, crossing.copyOut] },
  {
    name: "a prefix above its own (narrowed to docs/)",
    query: "?path=",
    events: [{}, {}, {}, crossing.out, crossing.in, crossing.inside, crossing.folderOut, crossing.copyOut],
  },
];

describe("GET /files/log with a docs/ key", () => {
  for (const row of ROWS) {
    test(`${row.name}: nothing outside docs/ shows`, async () => {
      const events = await logOf(docsKey, row.query);
      expect(JSON.stringify(events)).not.toContain("secret");
      expect(events).toHaveLength(row.events.length);
      for (const [i, want] of row.events.entries()) expect(events[i]).toMatchObject(want);
    });
  }

  test("a path outside the prefix is 403", async () => {
    const res = await t.request("GET", "/files/log?path=secret/", { token: docsKey });
    expect(res.status).toBe(403);
  });

  test("the owner's unlimited credential still sees every path and message", async () => {
    const events = await logOf(t.master, "");
    expect(events.find((e) => e.path === "docs/a.txt" && e.action === "move")).toMatchObject({
      dest: "secret/stolen-a.txt",
      msg: "hide a in secret/stolen-a",
    });
    expect(events.find((e) => e.dest === "docs/plan.txt")).toMatchObject({ path: "secret/plan.txt" });
  });
});

/**
 * A move, delete or restore of a folder above a key's prefix changes everything in it: the
 * key's log and live feed show it at the prefix itself (its folder left, came back or went
 * away), with nothing of the outside, not even the size the change counted there.
 */
describe("changes to a folder above a site/sub/ key", () => {
  const app = makeTestApp();
  afterAll(() => app.close());
  let key = "";
  let start = 0;
  const write = async (method: string, path: string, json?: unknown) => {
    const res = await app.request(method, path, json === undefined ? { body: "x" } : { json });
    expect(res.status).toBe(200);
    return (await res.json()) as { tx: number };
  };
  const WANT = [
    { action: "move", path: "site/sub/", dest: null, size: null, msg: null },
    { action: "move", path: null, dest: "site/sub/", size: null, msg: null },
    { action: "delete", path: "site/sub/", size: null, msg: null },
    { action: "restore", path: "site/sub/", size: null, msg: null },
  ];

  /** The master token's changes: above the prefix, and beside it (never shown). */
  async function changeAbove(): Promise<void> {
    await write("POST", "/files/move", { from: "site/", to: "moved-site/", message: "hide it" });
    await write("POST", "/files/move", { from: "moved-site/", to: "site/" });
    await write("POST", "/files/copy", { from: "site/", to: "site-copy/" });
    await write("POST", "/files/mkdir", { path: "elsewhere/" });
    const before = await write("PUT", "/files/site/other-2.txt");
    await write("DELETE", "/files/site/");
    await write("POST", "/files/restore", { prefix: "", tx: before.tx, message: "undo the delete" });
  }

  beforeAll(async () => {
    await write("PUT", "/files/site/sub/a.txt");
    await write("PUT", "/files/site/other.txt");
    key = (await createKey(app, app.master, { name: "sub", prefix: "site/sub/" })).token;
    start = (await write("PUT", "/files/site/sub/b.txt")).tx;
  });

  test("the live feed shows each at the prefix as it happens; the log then shows the same", async () => {
    const feed = await app.request("GET", "/events", { token: key });
    expect(feed.status).toBe(200);
    const reader = (feed.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    await changeAbove();
    let text = "";
    const live = () => [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string));
    while (live().length < WANT.length) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const logged = (
      (await (await app.request("GET", `/files/log?since_tx=${start}`, { token: key })).json()) as {
        events: LoggedEvent[];
      }
    ).events;
    for (const events of [live(), logged]) {
      expect(events).toHaveLength(WANT.length);
      for (const [i, want] of WANT.entries()) expect(events[i]).toMatchObject(want);
      const shown = JSON.stringify(events);
      for (const outside of ["moved-site", "site-copy", "elsewhere", "other", "hide it", "undo"]) {
        expect(shown).not.toContain(outside);
      }
    }
  });
});
