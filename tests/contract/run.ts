import type { OpenApiDocument } from "../fixtures/openapi";

/** One request of the scripted run: which documented operation it exercises and how. */
export interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
}

/**
 * Sends the scripted requests through the validating proxy and keeps the score: which
 * (operation, status) pairs were exercised, every violation Prism reported, and every answer
 * whose status was not the one the step expected.
 */
export class ContractRun {
  readonly covered = new Set<string>();
  readonly problems: string[] = [];

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly proxy: string,
    readonly serverUrl: string,
    readonly master: string,
  ) {}

  #request(op: string, base: string, path: string, options: CallOptions): Request {
    const [method] = op.split(" ") as [string];
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.master : options.token;
    if (token !== null && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
      headers.authorization = `Bearer ${token}`;
    }
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    }
    return new Request(`${base}${path}`, { method, headers, body, redirect: "manual" });
  }

  #documented(op: string, status: number): boolean {
    const [method, path] = op.split(" ") as [string, string];
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      this.problems.push(`${op}: not in the document`);
      return false;
    }
    return String(status) in operation.responses;
  }

  /** Whether the document gives this answer its own RFC 6749 error body instead of lightd's shared one. */
  #ownErrorBody(op: string, status: number): boolean {
    const [method, path] = op.split(" ") as [string, string];
    const response = this.doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    return JSON.stringify(response ?? {}).includes('"error_description"');
  }

  #score(op: string, path: string, status: number, expected: number): void {
    if (status !== expected) this.problems.push(`${op} (${path}): expected ${expected}, got ${status}`);
    if (!this.#documented(op, status)) this.problems.push(`${op} (${path}): status ${status} is not documented`);
    this.covered.add(`${op} ${status}`);
  }

  /** A request through Prism: its answer must carry no violation and have the expected status. */
  async call(op: string, path: string, expected: number, options: CallOptions = {}): Promise<Response> {
    const response = await fetch(this.#request(op, this.proxy, path, options));
    const violations = response.headers.get("sl-violations");
    const type = response.headers.get("content-type") ?? "";
    if (violations !== null || type.startsWith("application/problem+json")) {
      const detail = violations ?? (await response.clone().text());
      this.problems.push(`${op} (${path}) → ${response.status}: Prism reports ${detail}`);
    }
    this.#score(op, path, response.status, expected);
    return response;
  }

  /**
   * A request sent straight to lightd, for the two answers Prism's upstream client cannot
   * pass on: redirects (it follows them, and would validate the target instead) and HEAD
   * errors (it tries to parse the JSON body a HEAD answer never has). Checked here against
   * the document: a documented status, and the Location header a redirect promises.
   */
  async direct(op: string, path: string, expected: number, options: CallOptions = {}): Promise<Response> {
    const response = await fetch(this.#request(op, this.serverUrl, path, options));
    if (
      response.status >= 300 &&
      response.status < 400 &&
      response.status !== 304 &&
      !response.headers.get("location")
    ) {
      this.problems.push(`${op} (${path}): a ${response.status} without Location`);
    }
    if (response.status >= 400 && !op.startsWith("HEAD ")) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as Record<string, unknown> | null;
      // lightd's {error, message}, or the route's own error shape (RFC 6749's {error, error_description}).
      const text = this.#ownErrorBody(op, response.status) ? "error_description" : "message";
      if (typeof body?.error !== "string" || typeof body[text] !== "string") {
        this.problems.push(`${op} (${path}) → ${response.status}: not the documented {"error", "${text}"} body`);
      }
    }
    this.#score(op, path, response.status, expected);
    return response;
  }

  /** An answer checked by a client of its own protocol (a WebSocket opened: 101). */
  record(op: string, status: number): void {
    this.#score(op, "", status, status);
  }

  /** Every documented (operation, status) pair that no step exercised. */
  uncovered(): string[] {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(this.doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const status of Object.keys(operation.responses)) {
          const key = `${method.toUpperCase()} ${path} ${status}`;
          if (!this.covered.has(key)) missing.push(key);
        }
      }
    }
    return missing;
  }
}
