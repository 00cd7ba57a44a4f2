/** Latency summaries and the plain tables the files benchmarks print. */

/** The p-th percentile (0–100) of `samples` by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Formats a number with a fixed count of decimals and thousands separators. */
export function fmt(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const pct = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : "–");

/** A Markdown-compatible table; `align` has one letter per column, "l" or "r" (default: first left, rest right). */
export function table(header: string[], rows: string[][], align = `l${"r".repeat(header.length - 1)}`): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (align[i] === "l" ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
