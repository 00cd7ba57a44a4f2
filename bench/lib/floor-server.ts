import type { Database } from "bun:sqlite";

/**
 * What the benchmarks' floor servers (bench/same-work-server.ts, bench/lib/download-floor-server.ts)
 * share: the request log lightd writes (one JSON line per request, written once per event-loop
 * turn), the read transaction per turn lightd's reads share, and the life of a bare
 * Bun.serve on 127.0.0.1 that announces its port the way the benchmarks wait for and stops
 * on SIGTERM.
 */

let pending: string[] = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const text = `${pending.join("\n")}\n`;
  pending = [];
  process.stdout.write(text);
};

/** Logs a request as lightd's request log does. */
export function logRequest(request: Request, path: string, id: string, start: number, status: number): void {
  pending.push(
    JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      msg: "request",
      request_id: id,
      method: request.method,
      path,
      status,
      ms: Math.round((performance.now() - start) * 100) / 100,
    }),
  );
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

/** Serves `fetch` on a free port of 127.0.0.1 until SIGTERM; the first stdout line is the readiness line. */
export function serveFloor(fetch: (request: Request) => Response | Promise<Response>): void {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
  console.log(JSON.stringify({ msg: "listening", port: server.port }));
  process.once("SIGTERM", () => {
    server.stop(true);
    process.exit(0);
  });
}

/**
 * The reads of one event-loop turn in one read transaction, as lightd's are
 * (src/storage/db/sqlite/read-turn.ts): `enter` before a read, `end` after a write the
 * next read must see. Rows read are kept (`kept`, at most 10,000) until a turn finds that
 * the database changed (PRAGMA data_version), as lightd keeps them. A floor that paid a
 * read lock or a row read per request would sit above lightd.
 */
export function readTurn(db: Database): { enter(): void; end(): void; kept: Map<string, unknown> } {
  const begin = db.query("BEGIN");
  const commit = db.query("COMMIT");
  const version = db.query<{ data_version: number }, []>("PRAGMA data_version");
  const kept = new Map<string, unknown>();
  let seen: number | undefined;
  let open = false;
  const end = () => {
    if (!open) return;
    open = false;
    commit.run();
  };
  return {
    enter() {
      if (open) return;
      begin.run();
      open = true;
      setImmediate(end);
      const now = version.get()?.data_version;
      if (now !== seen || kept.size >= 10_000) kept.clear();
      seen = now;
    },
    end,
    kept,
  };
}
