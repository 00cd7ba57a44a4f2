/** What can tell a request's peer address: the Bun server that received it (`server.requestIP`). */
export interface AddressSource {
  requestIP(request: Request): { address: string } | null;
}

/**
 * The client address of a request. Bun gives it only through the server that received the
 * request, so main.ts records that server here; requests made in-process with `app.handle`
 * have none. The address itself is looked up on first use (a syscall and an allocation
 * that a warm authenticated request never needs) and remembered for the rest of the request.
 */
const sources = new WeakMap<Request, AddressSource>();
const addresses = new WeakMap<Request, string | null>();

export function setAddressSource(request: Request, source: AddressSource): void {
  sources.set(request, source);
}

/** A request made from another one (HEAD answered as a GET) comes from the same client. */
export function shareClientAddress(from: Request, to: Request): void {
  const source = sources.get(from);
  if (source) sources.set(to, { requestIP: () => source.requestIP(from) });
  const ip = addresses.get(from);
  if (ip !== undefined) addresses.set(to, ip);
}

/**
 * The address rate limits key on. Behind a proxy (`server.trust_proxy: true`) it is the
 * right-most `X-Forwarded-For` entry — the one the trusted proxy appended, which a
 * client cannot forge. Null when nothing is known (in-process requests).
 */
export function clientIpOf(request: Request, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for");
    if (forwarded) {
      const last = forwarded.split(",").pop()?.trim();
      if (last) return last;
    }
  }
  let ip = addresses.get(request);
  if (ip === undefined) {
    ip = sources.get(request)?.requestIP(request)?.address ?? null;
    addresses.set(request, ip);
  }
  return ip;
}
