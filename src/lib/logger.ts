export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Sink = (line: string) => void;

const MAX_BATCH = 256;

/**
 * Collects lines and writes them with one call per event-loop turn (or every MAX_BATCH
 * lines): with the request log on, a write per request cost more than building the line.
 * Lines still pending when the process exits are written then.
 */
function batchedSink(write: (text: string) => void): Sink {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    write(text);
  };
  process.once("exit", flush);
  return (line) => {
    pending.push(line);
    if (pending.length >= MAX_BATCH) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

const standardWriters = new Map<NodeJS.WriteStream, (text: string) => void>();

/**
 * Writes to the process's stdout or stderr. A reader that went away (the pipe's other end
 * closed: a log collector that stopped, a `| head` that ended) must not stop the server: a
 * write that finds it gone (EPIPE) is dropped, and so is every later line to that stream.
 * Any other write error is thrown as before. One writer per stream, however many loggers.
 */
function standardWriter(stream: NodeJS.WriteStream): (text: string) => void {
  const known = standardWriters.get(stream);
  if (known) return known;
  let gone = false;
  const readerGone = (error: unknown) => (error as NodeJS.ErrnoException)?.code === "EPIPE";
  // A write may also fail after it returned (an asynchronous pipe write): the same rule.
  stream.on("error", (error) => {
    if (!readerGone(error)) throw error;
    gone = true;
  });
  const write = (text: string) => {
    if (gone) return;
    try {
      stream.write(text);
    } catch (error) {
      if (!readerGone(error)) throw error;
      gone = true;
    }
  };
  standardWriters.set(stream, write);
  return write;
}

/** The ISO time of the current millisecond, formatted once per millisecond rather than once per line. */
let stampedAt = Number.NaN;
let stamp = "";
function isoNow(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

/** One JSON object per line: easy for journald, Docker and log shippers to parse. */
export function createLogger(
  out: Sink = batchedSink(standardWriter(process.stdout)),
  err: Sink = (l) => standardWriter(process.stderr)(`${l}\n`),
): Logger {
  const write = (sink: Sink, level: string, message: string, fields?: LogFields) => {
    // Fields are copied in by assignment: the same object as spreading them, for half the cost
    // on the request log's path (one line per request).
    const line: Record<string, unknown> = { time: isoNow(), level, msg: message };
    for (const key in fields) line[key] = fields[key];
    sink(JSON.stringify(line));
  };
  return {
    info: (m, f) => write(out, "info", m, f),
    warn: (m, f) => write(err, "warn", m, f),
    error: (m, f) => write(err, "error", m, f),
  };
}

/** A logger that keeps lines in memory; used by tests and by the CLI's quiet paths. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const sink = (l: string) => lines.push(l);
  return Object.assign(createLogger(sink, sink), { lines });
}
