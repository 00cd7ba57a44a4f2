/** Seconds formatted lately, at most MOST_KEPT of them. */
const MOST_KEPT = 4096;
const formatted = new Map<number, string>();

/**
 * A time in milliseconds as an HTTP date (`Tue, 01 Dec 2026 18:10:33 GMT`, whole seconds as
 * HTTP dates are). Every download and listing writes one per file, and the same few files'
 * times come back again and again: each second is formatted once while it is asked for.
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = formatted.get(second);
  if (text === undefined) {
    if (formatted.size >= MOST_KEPT) formatted.clear();
    text = new Date(second * 1000).toUTCString();
    formatted.set(second, text);
  }
  return text;
}
