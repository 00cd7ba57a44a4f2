/**
 * The floor for the one-request download of a small file (`GET /files/<path>?redirect=false`):
 * the work lightd cannot skip, done by a bare Bun.serve with nothing of lightd. Per GET: the
 * bearer token compared with the configured one in constant time, the file's row by path
 * from a read-only connection to a WAL database (a download must see the last commit; the
 * reads of one event-loop turn share a read transaction, and a row is read again only once
 * the database changed, as lightd's are),
 * the file's bytes (read once through a descriptor kept open and kept with it; read again,
 * one fstat that tells the file is still named, as lightd serves small files), the same
 * response headers lightd sends (etag, ranges, no sniffing, sandbox CSP, disposition, dates
 * formatted once per second, type, length), an
 * `X-Request-Id`, and one JSON line in a request log written once per event-loop turn.
 * Whatever lightd spends beyond this is its own overhead.
 *
 * PUT stores a body and its row without any fsync: it only fills the store for the GETs and
 * is not a floor for anything.
 *
 *   bun run bench/lib/download-floor-server.ts <dir> <token>
 */
import { Database } from "bun:sqlite";
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { logRequest, readTurn, serveFloor } from "./floor-server";

const [dir, token] = Bun.argv.slice(2);
if (!dir || !token) throw new Error("usage: download-floor-server.ts <dir> <token>");
mkdirSync(join(dir, "objects"), { recursive: true });
const file = join(dir, "floor.db");
const writer = new Database(file, { create: true, strict: true });
writer.run("PRAGMA journal_mode = WAL");
writer.run("PRAGMA synchronous = NORMAL");
writer.run(
  "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, object_key TEXT, size INTEGER, etag TEXT, content_type TEXT, updated_at INTEGER)",
);
const insert = writer.query("INSERT OR REPLACE INTO files VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
const reader = new Database(file, { readonly: true, strict: true });
const turn = readTurn(reader);
const byPath = reader.query<
  { object_key: string; size: number; etag: string; content_type: string; updated_at: number },
  [string]
>("SELECT * FROM files WHERE path = ?1");

const expected = `Bearer ${token}`;
function authorized(given: string | null): boolean {
  if (given === null || given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

let counter = 0;

// The files read, their descriptors kept open with their bytes and checked still named (one
// fstat), as lightd keeps them: at most 4,096, the least recently read closed first.
const kept = new Map<string, { fd: number; bytes: Uint8Array<ArrayBuffer> }>();
function bytesOf(key: string, size: number): Uint8Array<ArrayBuffer> | undefined {
  const file = kept.get(key);
  if (file !== undefined) {
    kept.delete(key);
    if (fstatSync(file.fd).nlink > 0) {
      kept.set(key, file);
      return file.bytes;
    }
    closeSync(file.fd);
  }
  const fd = openSync(join(dir as string, "objects", key), "r");
  const buffer = new Uint8Array(size + 1);
  if (readSync(fd, buffer, 0, size + 1, 0) !== size) {
    closeSync(fd);
    return undefined;
  }
  const bytes = buffer.subarray(0, size);
  kept.set(key, { fd, bytes });
  for (const [oldest, old] of kept) {
    if (kept.size <= 4096) break;
    kept.delete(oldest);
    closeSync(old.fd);
  }
  return bytes;
}

// Last-Modified formatted once per second, as lightd's are.
const dates = new Map<number, string>();
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = dates.get(second);
  if (text === undefined) {
    text = new Date(second * 1000).toUTCString();
    dates.set(second, text);
  }
  return text;
}

serveFloor(async (request) => {
  const start = performance.now();
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", pathStart);
  const path = url.slice(pathStart + 1, query === -1 ? undefined : query);
  if (!authorized(request.headers.get("authorization"))) return new Response(null, { status: 401 });
  if (request.method === "PUT") {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const key = `o${(counter++).toString(36)}`;
    writeFileSync(join(dir, "objects", key), bytes);
    insert.run(
      path,
      key,
      bytes.byteLength,
      Bun.CryptoHasher.hash("sha256", bytes, "hex"),
      "application/octet-stream",
      Date.now(),
    );
    turn.end();
    return Response.json({ size: bytes.byteLength });
  }
  turn.enter();
  const row = (turn.kept.get(path) ?? byPath.get(path)) as ReturnType<typeof byPath.get>;
  turn.kept.set(path, row);
  if (!row) return new Response(null, { status: 404 });
  const bytes = bytesOf(row.object_key, row.size);
  if (bytes === undefined) return new Response(null, { status: 500 });
  const id = `floor-${(counter++).toString(36)}`;
  const response = new Response(bytes, {
    headers: {
      etag: `"${row.etag}"`,
      "accept-ranges": "bytes",
      "cache-control": "private",
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox; default-src 'none'",
      "content-disposition": `attachment; filename="${path.slice(path.lastIndexOf("/") + 1)}"`,
      "last-modified": httpDate(row.updated_at),
      "content-type": row.content_type,
      "content-length": String(row.size),
    },
  });
  response.headers.set("x-request-id", id);
  logRequest(request, `/${path}`, id, start, 200);
  return response;
});
