import { EXIT, type ExitCode } from "./exit";

/**
 * How commands print: aligned tables with a header on a terminal, tab-separated rows
 * without one when piped (easy to cut/awk), and the API's JSON with `--json`.
 */
export interface Streams {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Raw bytes to stdout, resolving once the pipe took them (backpressure for `cat`). */
  writeBytes: (chunk: Uint8Array) => Promise<void>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export class Output {
  constructor(
    readonly streams: Streams,
    readonly json: boolean,
  ) {}

  line(text = ""): void {
    this.streams.out(`${text}\n`);
  }

  note(text: string): void {
    this.streams.err(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.streams.out(`${JSON.stringify(value, null, this.streams.stdoutIsTTY ? 2 : undefined)}\n`);
  }

  /** A command's answer: the value as JSON with `--json`, else what `human` prints; then success. */
  answer(value: unknown, human: () => void): ExitCode {
    if (this.json) this.printJson(value);
    else human();
    return EXIT.ok;
  }

  table(header: string[], rows: string[][], rightAligned: number[] = []): void {
    if (!this.streams.stdoutIsTTY) {
      for (const row of rows) this.line(row.join("\t"));
      return;
    }
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => displayWidth(r[i] ?? ""))));
    for (const row of all) {
      const cells = row.map((cell, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell)));
        return rightAligned.includes(i) ? pad + cell : cell + pad;
      });
      this.line(cells.join("  ").trimEnd());
    }
  }
}

function displayWidth(text: string): number {
  return [...text].length;
}

/** Unix ms → "2026-01-28 15:30" in local time; "-" for none. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Seconds → "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
