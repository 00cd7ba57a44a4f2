import { formatBytes } from "../lib/format";
import { formatDuration } from "./output";

/** One file's share of a transfer; `add` counts bytes as they move. */
export interface FileProgress {
  add(bytes: number): void;
  done(): void;
}

interface Active {
  name: string;
  size: number;
  moved: number;
  started: number;
}

const REDRAW_MS = 100;
const MAX_FILE_LINES = 4;

/**
 * Progress bars on stderr — bytes, speed and ETA per file and for the whole transfer —
 * drawn only when stderr is a terminal, so pipes and logs never see escape codes.
 */
export class Progress {
  #active = new Set<Active>();
  #moved = 0;
  #filesDone = 0;
  #totalBytes = 0;
  #totalFiles = 0;
  #started = performance.now();
  #drawnLines = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly enabled: boolean,
    private readonly write: (text: string) => void,
  ) {}

  /** Announces what the whole transfer will move (may grow as a tree is walked). */
  plan(files: number, bytes: number): void {
    this.#totalFiles += files;
    this.#totalBytes += bytes;
    if (this.enabled && !this.#timer) {
      this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
      this.#timer.unref?.();
    }
  }

  file(name: string, size: number): FileProgress {
    const entry: Active = { name, size, moved: 0, started: performance.now() };
    this.#active.add(entry);
    return {
      add: (bytes) => {
        entry.moved += bytes;
        this.#moved += bytes;
      },
      done: () => {
        if (!this.#active.delete(entry)) return;
        this.#filesDone++;
      },
    };
  }

  /** Draws the final state and leaves the cursor below it. */
  finish(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.enabled && this.#totalFiles > 0) {
      this.#draw();
      this.write("\n");
      this.#drawnLines = 0;
    }
  }

  #draw(): void {
    const width = process.stderr.columns || 80;
    const now = performance.now();
    const lines: string[] = [];
    for (const entry of [...this.#active].slice(0, MAX_FILE_LINES)) {
      lines.push(barLine(entry.name, entry.moved, entry.size, (now - entry.started) / 1000, width));
    }
    const label = `total ${this.#filesDone}/${this.#totalFiles} files`;
    lines.push(barLine(label, this.#moved, this.#totalBytes, (now - this.#started) / 1000, width));
    // Move up over the previous drawing, then rewrite every line (clearing leftovers).
    let text = this.#drawnLines > 1 ? `\r\u001b[${this.#drawnLines - 1}A` : "\r";
    text += lines.map((l) => `\u001b[2K${l}`).join("\n");
    const stale = this.#drawnLines - lines.length;
    if (stale > 0) text += `${"\n\u001b[2K".repeat(stale)}\u001b[${stale}A`;
    this.#drawnLines = Math.max(lines.length, 1);
    this.write(text);
  }
}

function barLine(name: string, moved: number, size: number, seconds: number, width: number): string {
  const fraction = size > 0 ? Math.min(1, moved / size) : 1;
  const speed = seconds > 0 ? moved / seconds : 0;
  const eta = speed > 0 ? (size - moved) / speed : Number.NaN;
  const stats = `${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(moved)}/${formatBytes(size)} ${formatBytes(speed)}/s ETA ${fraction >= 1 ? "0s" : formatDuration(eta)}`;
  const barWidth = 20;
  const filled = Math.round(fraction * barWidth);
  const bar = `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]`;
  const room = Math.max(8, width - stats.length - bar.length - 3);
  const shown = name.length > room ? `…${name.slice(name.length - room + 1)}` : name.padEnd(room);
  return `${shown} ${bar} ${stats}`.slice(0, Math.max(width - 1, 20));
}
