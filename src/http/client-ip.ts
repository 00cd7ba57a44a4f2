/**
 * The client address of a request. Bun gives it only to the server's fetch handler
 * (`server.requestIP`), so main.ts records it here; requests made in-process with
 * `app.handle` have none.
 */
const addresses = new WeakMap<Request, string>();

export function setClientIp(request: Request, ip: string | null | undefined): void {
  if (ip) addresses.set(request, ip);
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
  return addresses.get(request) ?? null;
}
