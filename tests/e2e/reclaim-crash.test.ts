import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UrlSigner } from "../../src/lib/url-signer";
import { LocalBlobStore } from "../../src/storage/blob/local";
import { cleanupE2E, makeTempDir, startServer } from "../fixtures/binary";

/**
 * Deleting a folder is durable for its bytes too: the compiled server, killed with SIGKILL
 * while it deletes the stored objects of a 2,000-file folder it has already removed from
 * the metadata, comes back and reclaims every one of them — and removes nothing a file
 * still uses.
 */

const FILES = 2_000;
const dir = makeTempDir();
const configPath = join(dir, "config.json");
const blobRoot = join(dir, "data", "blobs");

afterAll(cleanupE2E);

const masterToken = () => JSON.parse(readFileSync(configPath, "utf8")).authorization.token as string;

/** Object keys the store holds, as the store itself lists them. */
async function storedKeys(): Promise<Set<string>> {
  const store = new LocalBlobStore(blobRoot, new UrlSigner("listing-only-0123456789abcdef0123456789"));
  const keys = new Set<string>();
  for await (const key of store.listKeys()) keys.add(key);
  return keys;
}

/** Object keys the metadata names, read from the stopped server's database. */
function referencedKeys(): Set<string> {
  const db = new Database(join(dir, "data", "lightd.db"), { readonly: true });
  try {
    const rows = db.query<{ k: string }, []>("SELECT object_key AS k FROM files WHERE object_key IS NOT NULL").all();
    return new Set(rows.map((r) => r.k));
  } finally {
    db.close();
  }
}

test("SIGKILL during a 2,000-file folder delete: after restart no unreferenced object remains", async () => {
  let server = await startServer({ dir });
  const auth = { authorization: `Bearer ${masterToken()}` };
  const put = async (path: string, body: string) => {
    const res = await fetch(`${server.url}/files/${path}`, { method: "PUT", headers: auth, body });
    expect(res.status).toBe(200);
  };
  for (let i = 0; i < 5; i++) await put(`keep/${i}.txt`, `kept ${i}`);
  // Eight uploads at a time: quick, and well within what the server handles.
  const names = Array.from({ length: FILES }, (_, i) => `big/${String(i).padStart(4, "0")}.txt`);
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(names.slice(i, i + 8).map((path) => put(path, `bytes of ${path}`)));
  }
  expect((await storedKeys()).size).toBe(FILES + 5);

  // The folder's objects are deleted in path order after the commit: the first one going
  // means the metadata change is durable and the server is deleting bytes. Kill it then.
  const first = await fetch(`${server.url}/files/big/0000.txt`, { headers: { ...auth, accept: "application/json" } });
  const firstKey = /\/blobs\/([^?]+)/.exec((await first.json()).url)?.[1] as string;
  const firstPath = join(blobRoot, firstKey.slice(0, 2), firstKey);
  expect(existsSync(firstPath)).toBe(true);
  const deleting = fetch(`${server.url}/files/big/`, { method: "DELETE", headers: auth }).catch(() => null);
  // A synchronous check in a tight loop sees the first unlink within microseconds.
  const deadline = Date.now() + 60_000;
  while (existsSync(firstPath)) {
    if (Date.now() > deadline) throw new Error("the server never started deleting");
    await new Promise((resolve) => setImmediate(resolve));
  }
  server.proc.kill("SIGKILL");
  await server.proc.exited;
  await deleting;

  // The crash left bytes behind that no file uses any more — the case being tested.
  const referencedAfterCrash = referencedKeys();
  expect(referencedAfterCrash.size).toBe(5);
  const leftBehind = [...(await storedKeys())].filter((key) => !referencedAfterCrash.has(key));
  expect(leftBehind.length).toBeGreaterThan(0);

  server = await startServer({ dir });
  try {
    // The reclaim pass runs at start and logs when it is done.
    const pass = await server.waitForLog((l) => l.msg === "reclaim pass finished", 60_000);
    expect(pass.queued).toBeGreaterThanOrEqual(leftBehind.length);
    // Nothing unreferenced remains, and every referenced object is still there.
    expect(await storedKeys()).toEqual(referencedKeys());
    expect(referencedKeys()).toEqual(referencedAfterCrash);
    // The kept files still download, byte for byte; the folder is gone.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/files/keep/${i}.txt`, { headers: auth });
      expect(await res.text()).toBe(`kept ${i}`);
    }
    const gone = await fetch(`${server.url}/files/big/0001.txt`, { headers: { ...auth, accept: "application/json" } });
    expect(gone.status).toBe(404);
    expect(await (await fetch(`${server.url}/files/stats`, { headers: auth })).json()).toMatchObject({ files: 5 });
  } finally {
    await server.stop();
  }
}, 180_000);
