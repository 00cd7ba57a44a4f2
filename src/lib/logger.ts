export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Sink = (line: string) => void;

/** One JSON object per line: easy for journald, Docker and log shippers to parse. */
export function createLogger(
  out: Sink = (l) => process.stdout.write(`${l}\n`),
  err: Sink = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const write = (sink: Sink, level: string, message: string, fields?: LogFields) =>
    sink(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        msg: message,
        ...fields,
      }),
    );
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
