import { randomBase62 } from "../../lib/ids";

/** How long the object keys made one after another share their first two characters. */
const RUN_MS = 250;

let runPrefix = "";
let runEnds = Number.NEGATIVE_INFINITY;

/**
 * A new object key: 16 base62 characters. The last 14 are random (~83 bits: no two keys
 * ever meet); the first 2 are shared by every key made in the same quarter of a second, then
 * drawn afresh, so over time every prefix is used equally often.
 *
 * Those two characters decide where a key goes: the local store files an object in the
 * directory they name (<root>/<first 2 chars>/<key>), and the metadata's index of object keys
 * is sorted by them. Uploads that arrive together therefore land together: a batch of them
 * adds to one directory and one index page instead of one each, so the journal commit and
 * the log write that make the batch durable carry less. With fully random keys, 4 KiB
 * uploads from 32 clients wrote about 5.5 disk requests (53 KiB) per upload, and with
 * these about 2.4 (36 KiB).
 *
 * `now`: a monotonic clock in ms (tests pass their own).
 */
export function newObjectKey(now: number = performance.now()): string {
  if (now >= runEnds || now < runEnds - RUN_MS) {
    runPrefix = randomBase62(2);
    runEnds = now + RUN_MS;
  }
  return runPrefix + randomBase62(14);
}
