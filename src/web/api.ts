import { useEffect, useState } from "preact/hooks";

/**
 * The dashboard's one way to reach lightd: the public HTTP API, same-origin, with the
 * HttpOnly session cookie (never a token kept in the page). Every error becomes an
 * ApiError carrying the API's own `message`, so pages can show it next to its cause.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACCEPT = "application/vnd.pkglatv1+json";

export async function errorOf(res: Response): Promise<ApiError> {
  let code = "error";
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = (await res.json()) as { error?: string; message?: string; error_description?: string };
    if (body.error) code = body.error;
    // OAuth endpoints answer in RFC 6749 form.
    if (body.message ?? body.error_description) message = (body.message ?? body.error_description) as string;
  } catch {
    // Not JSON (e.g. a proxy's page): the status line is the best message there is.
  }
  return new ApiError(res.status, code, message);
}

let onUnauthorized: () => void = () => {};
/** Called when a request answers 401 while signed in: the session has ended. */
export function whenSignedOut(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { accept: ACCEPT, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "lightd cannot be reached; check the connection and try again.");
  }
  if (!res.ok) {
    const error = await errorOf(res);
    if (res.status === 401 && !path.startsWith("/auth/")) onUnauthorized();
    throw error;
  }
  return (await res.json()) as T;
}

/** Path segments are encoded one by one, so `/` keeps separating folders. */
export function filesUrl(path: string): string {
  return `/files/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * What a GET answers, fetched when the component mounts and whenever `path` changes; `reload`
 * fetches it again after a change. A failure is kept in `error` for the page to show.
 */
export function useLoaded<T>(path: string) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => api<T>("GET", path).then(setData, (e) => setError(messageOf(e)));
  useEffect(() => void reload(), [path]);
  return { data, error, setError, reload };
}

/** A failure that trying again may cure: lightd unreachable (restarting) or a gateway in front of it failing. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 502);
}

/** How long to wait before the `attempt`th retry (from 0): 1 s, doubling, at most 15 s. */
export function retryDelay(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** attempt);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
