import { LruMap } from "./lru";

/** Seconds formatted lately: the most recently asked for are kept, at most 4,096. */
const formatted = new LruMap<number, string>(4096);

/**
 * A time in milliseconds as an HTTP date (`Tue, 01 Dec 2026 18:10:33 GMT`, whole seconds as
 * HTTP dates are). Every download and listing writes one per file, and the same few files'
 * times come back again and again: each second is formatted once while it is asked for.
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = formatted.get(second);
  if (text === undefined) {
    text = new Date(second * 1000).toUTCString();
    formatted.set(second, text);
  }
  return text;
}
