import { randomBase62 } from "../lib/ids";

const ids = new WeakMap<Request, string>();

// Request ids must be unique, not secret: a random prefix per process and a counter cost
// nothing per request (random bytes for each one were ~1 µs of the hot path).
const PROCESS_PREFIX = randomBase62(8);
let counter = 0;

/** Request ids are taken from a sane `X-Request-Id` header or made fresh; kept per Request object. */
export function assignRequestId(request: Request): string {
  const given = request.headers.get("x-request-id");
  const id = given !== null && /^[\w.:-]{1,64}$/.test(given) ? given : `${PROCESS_PREFIX}-${(counter++).toString(36)}`;
  ids.set(request, id);
  return id;
}

export function requestIdOf(request: Request): string | undefined {
  return ids.get(request);
}
