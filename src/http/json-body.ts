import { AppError } from "../errors";

/** Deeper JSON than any lightd request needs; far below what would strain the validator. */
export const MAX_JSON_DEPTH = 32;

/**
 * Nesting depth of a JSON text (brackets outside strings), stopping early past `limit`.
 * One linear scan, no allocation.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Parses a JSON request body, refusing absurd nesting before the schema validator sees it
 * (a 100 KB nested array costs seconds of validation CPU). Returns undefined for an empty body.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw new AppError("bad_request", "Request body is nested too deeply");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Malformed request body");
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/** Which request bodies a route takes: JSON only (every API route), or also an HTML form's. */
export type BodyKinds = "json" | "json-or-form";

/**
 * For the parse hooks of lightd's route macros (auth guard, per-IP limit): the parsed JSON
 * body of a POST/PATCH/DELETE, or undefined to leave the body to Elysia (none sent, or a form
 * on a route that takes one). PUT bodies are uploads (a .json file is just bytes) and are
 * never read here.
 *
 * Security rule: API routes take only `application/json` bodies. A form or multipart body is
 * 415 before anything reads it — a cross-site HTML form can send those, but not JSON, without
 * the browser asking lightd first.
 */
export async function parseRequestJson(
  request: Request,
  contentType: string | undefined,
  accepts: BodyKinds = "json",
): Promise<unknown> {
  if (request.method === "PUT") return undefined;
  const type = contentType ?? "";
  if (JSON_TYPE.test(type)) return parseJsonBody(await request.text());
  if (type === "" || request.headers.get("content-length") === "0") return undefined;
  if (accepts === "json-or-form" && FORM_TYPE.test(type)) return undefined;
  throw new AppError(
    "unsupported_media_type",
    `This route takes a JSON body: send Content-Type: application/json (got ${type.split(";")[0]?.trim().slice(0, 100)})`,
  );
}
