/**
 * The floor for an authenticated tiny GET: the work `GET /auth/me` with an API key cannot
 * skip, done by a bare Bun.serve with nothing of lightd. Per request: read the bearer token
 * from the Authorization header, one SHA-256 of it, the credential row by primary key from a
 * read-only connection to a WAL database (revocation must apply at once; the reads of one
 * event-loop turn share a read transaction, and a row is read again only once the database
 * changed, as lightd's are),
 * a JSON answer of the same shape, an `X-Request-Id`, and one JSON line in a request log
 * written once per event-loop turn. Whatever lightd spends beyond this is its own overhead.
 *
 *   bun run bench/same-work-server.ts <dir>
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { logRequest, readTurn, serveFloor } from "./lib/floor-server";

const dir = Bun.argv[2];
if (!dir) throw new Error("usage: same-work-server.ts <dir>");
const file = join(dir, "same-work.db");
const writer = new Database(file, { create: true, strict: true });
writer.run("PRAGMA journal_mode = WAL");
writer.run("CREATE TABLE IF NOT EXISTS credentials (id TEXT PRIMARY KEY, account TEXT, secret_hash TEXT, scopes TEXT)");
writer.run("INSERT OR REPLACE INTO credentials VALUES ('key1', 'admin', 'hash', 'files:read files:write')");
const reader = new Database(file, { readonly: true, strict: true });
const turn = readTurn(reader);
const byId = reader.query<{ account: string; secret_hash: string; scopes: string }, [string]>(
  "SELECT account, secret_hash, scopes FROM credentials WHERE id = ?1",
);

let counter = 0;

serveFloor(async (request) => {
  const start = performance.now();
  const url = request.url;
  const token = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!token) return new Response(null, { status: 401 });
  Bun.CryptoHasher.hash("sha256", token);
  turn.enter();
  const row = (turn.kept.get("key1") ?? byId.get("key1")) as ReturnType<typeof byId.get>;
  turn.kept.set("key1", row);
  if (!row) return new Response(null, { status: 401 });
  const id = `bench-${(counter++).toString(36)}`;
  const response = Response.json({
    actor: row.account,
    source: "key",
    scopes: row.scopes.split(" "),
    prefix: "",
    space: "live",
  });
  response.headers.set("x-request-id", id);
  logRequest(request, url.slice(url.indexOf("/", url.indexOf("//") + 2)), id, start, 200);
  return response;
});
