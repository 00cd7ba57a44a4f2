import { randomBase62 } from "../lib/ids";

const ids = new WeakMap<Request, string>();

/** Request ids are taken from a sane `X-Request-Id` header or made fresh; kept per Request object. */
export function assignRequestId(request: Request): string {
  const given = request.headers.get("x-request-id");
  const id = given && /^[\w.:-]{1,64}$/.test(given) ? given : randomBase62(12);
  ids.set(request, id);
  return id;
}

export function requestIdOf(request: Request): string | undefined {
  return ids.get(request);
}
