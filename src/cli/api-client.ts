import { CliError, EXIT, exitCodeForStatus } from "./exit";
import { notLoggedIn, type Target } from "./profiles";

/** A non-2xx answer from the server, carrying its status and the API's own `message`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, exitCodeForStatus(status));
  }
}

export interface RequestOptions {
  json?: unknown;
  body?: RequestInit["body"];
  query?: Record<string, string | number | boolean | undefined>;
  /** Send the stored credential (default true; login routes are public). */
  auth?: boolean;
}

/** Encodes a file path for the URL: each segment percent-encoded, the `/` between them kept. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** Reads an error answer into an ApiError: the API's JSON `message`, or the status line. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let code = "http_error";
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    if (typeof body.message === "string") message = body.message;
    if (typeof body.error === "string") code = body.error;
  } catch {
    if (text && text.length < 200 && !text.includes("<")) message = text.trim();
  }
  return new ApiError(response.status, code, message);
}

/**
 * The client's only way to the server: the public HTTP API, with the profile's credential.
 * Every failure becomes one CliError with the API's message and the matching exit code.
 */
export class ApiClient {
  constructor(readonly target: Target) {}

  get baseUrl(): string {
    return this.target.url;
  }

  authHeader(): Record<string, string> {
    return this.target.token ? { authorization: `${this.target.scheme} ${this.target.token}` } : {};
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const url = `${this.target.url}${path}`;
    if (!query) return url;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return qs ? `${url}?${qs}` : url;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.auth !== false) Object.assign(headers, this.authHeader());
    let body = options.body;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    const response = await fetchOrExplain(this.url(path, options.query), {
      method,
      headers,
      body,
      redirect: "manual",
    });
    if (response.ok) return response;
    // Logged out (the profile keeps its URL, not a credential): say so, not "invalid token".
    if (response.status === 401 && options.auth !== false && !this.target.token) {
      await response.body?.cancel();
      throw notLoggedIn(this.target.profileName, this.target.url);
    }
    throw await errorOf(response);
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return (await response.json()) as T;
  }
}

/** fetch, with a connection failure turned into a one-line error that names the server. */
export async function fetchOrExplain(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    const origin = URL.parse(url)?.origin ?? url;
    throw new CliError(`cannot reach ${origin}: ${(error as Error).message}`, EXIT.error);
  }
}
