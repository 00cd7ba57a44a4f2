import { badRequest } from "../../domain/errors";

/**
 * Names the API itself uses directly under `/files/` (`GET /files/stats`, `POST /files/move`,
 * `DELETE /files/shares/{id}` …). A file or folder with one of these names at the root could
 * be created but never reached at its URL, so the one rule is: no path may START with a
 * reserved name as its first segment. Deeper segments are free (`docs/stats` is fine).
 * Exact, case-sensitive match, as routes are.
 */
export const RESERVED_ROOT_NAMES: readonly string[] = [
  "stats",
  "search",
  "log",
  "mkdir",
  "move",
  "copy",
  "uploads",
  "share",
  "shares",
  "versions",
  "trash",
  "restore",
];

const RESERVED = new Set(RESERVED_ROOT_NAMES);

/** The reserved root name a path starts with, or null. */
export function reservedRootOf(path: string): string | null {
  const slash = path.indexOf("/");
  const first = slash === -1 ? path : path.slice(0, slash);
  return RESERVED.has(first) ? first : null;
}

/**
 * The reserved-name rule, called by every service that creates a path (upload, multipart,
 * mkdir, move and copy destinations): 400 with the name and how to avoid it. Existing
 * paths stay readable, movable and deletable, so nothing already stored is trapped.
 */
export function refuseReservedRoot(path: string): void {
  const name = reservedRootOf(path);
  if (name === null) return;
  throw badRequest(
    `'${name}' is reserved at the root of /files/ (reserved: ${RESERVED_ROOT_NAMES.join(", ")}); put it in a folder, e.g. 'my/${path}', or choose another name`,
  );
}
