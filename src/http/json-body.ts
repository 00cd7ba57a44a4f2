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

/**
 * For the parse hooks of lightd's route macros (auth guard, per-IP limit): the parsed JSON
 * body of a POST/DELETE with a JSON Content-Type, or undefined to leave the body to Elysia.
 * PUT bodies are uploads (a .json file is just bytes) and are never read here.
 */
export async function parseRequestJson(request: Request, contentType: string | undefined): Promise<unknown> {
  if (request.method === "PUT" || !/^application\/json\b/i.test(contentType ?? "")) return undefined;
  return parseJsonBody(await request.text());
}
