/** What the Bun server offers a request beyond a plain response: a WebSocket upgrade, no idle timeout. */
export interface ConnectionControl {
  upgrade(request: Request, options: { data: unknown }): boolean;
  timeout(request: Request, seconds: number): void;
}

/**
 * Like the client address, upgrading and keeping a request open are only possible through
 * the server that received it: main.ts records that server here, so routes stay testable
 * with `app.handle`, where there is none (an upgrade then answers 426).
 */
const servers = new WeakMap<Request, ConnectionControl>();

export function setConnectionControl(request: Request, server: ConnectionControl): void {
  servers.set(request, server);
}

/** Upgrades the request to a WebSocket carrying `data`; false when that is impossible. */
export function upgradeToWebSocket(request: Request, data: unknown): boolean {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return false;
  return servers.get(request)?.upgrade(request, { data }) ?? false;
}

/** Lifts the server's idle timeout for a long-lived response (an event stream). */
export function keepOpen(request: Request): void {
  servers.get(request)?.timeout(request, 0);
}
