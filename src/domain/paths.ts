import { invalidPath } from "./errors";

/**
 * The one syntax for storage paths and path prefixes (a key's prefix, a listing's prefix):
 * relative UTF-8 in NFC, `/`-separated, at most 1024 bytes, no empty, `.` or `..`
 * segments, no control characters (C0, DEL and C1); a trailing `/` names a folder. Paths are
 * metadata only — bytes live under internal object keys — so a path can never reach the
 * disk, but bad ones are still refused with 400 up front.
 */
export const MAX_PATH_BYTES = 1024;

export type PathKind = "file" | "folder";

export class PathError extends Error {
  override name = "PathError";
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Printable ASCII: well formed, already NFC, one byte a character, no control character. */
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;
const encoder = new TextEncoder();

/** The checks a path and a prefix share: string, UTF-8, NFC, length, control characters, relative. */
function normalizeText(input: unknown, noun: "path" | "prefix"): string {
  if (typeof input !== "string") throw new PathError(`${noun} must be a string`);
  // Most paths are printable ASCII: the same rules hold, without the work other characters need.
  const ascii = PRINTABLE_ASCII.test(input);
  if (!ascii && !input.isWellFormed()) throw new PathError(`${noun} is not valid UTF-8`);
  const text = ascii ? input : input.normalize("NFC");
  const bytes = ascii ? text.length : encoder.encode(text).byteLength;
  if (bytes > MAX_PATH_BYTES) throw new PathError(`${noun} is longer than ${MAX_PATH_BYTES} bytes`);
  if (!ascii && CONTROL.test(text)) throw new PathError(`${noun} contains a control character`);
  if (text.startsWith("/")) throw new PathError(`${noun} must be relative (no leading '/')`);
  return text;
}

/** Validates and NFC-normalizes a file or folder path; throws PathError with the reason. */
export function normalizePath(input: unknown, expect?: PathKind): string {
  if (input === "") throw new PathError("path must not be empty");
  const path = normalizeText(input, "path");
  const isFolder = path.endsWith("/");
  const segments = (isFolder ? path.slice(0, -1) : path).split("/");
  for (const segment of segments) {
    if (segment === "") throw new PathError("path contains an empty segment");
    if (segment === "." || segment === "..") throw new PathError("path contains a '.' or '..' segment");
  }
  if (expect === "file" && isFolder)
    throw new PathError("path names a folder (ends with '/'); a file path is expected");
  if (expect === "folder" && !isFolder) throw new PathError("folder path must end with '/'");
  return path;
}

/** Like normalizePath, but "" (the root) is allowed and a prefix need not be a whole segment. */
export function normalizePrefix(input: unknown): string {
  if (input === undefined || input === null || input === "") return "";
  const prefix = normalizeText(input, "prefix");
  const segments = prefix.split("/");
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === "" && !last) throw new PathError("prefix contains an empty segment");
    if ((segment === "." || segment === "..") && (!last || segment === "..")) {
      throw new PathError("prefix contains a '.' or '..' segment");
    }
  }
  return prefix;
}

/** Runs a path rule, turning its PathError into the 400 the client reads: the one translation. */
function orBadRequest<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof PathError) throw invalidPath(error.message, what);
    throw error;
  }
}

/** A path from a request, validated: bad paths are 400 before anything touches the DB or disk. */
export const parsePath = (input: unknown, expect?: PathKind): string =>
  orBadRequest("path", () => normalizePath(input, expect));

/** A listing or search prefix from a request ("" = everything); 400 when malformed. */
export const parsePrefix = (input: unknown, what = "prefix"): string =>
  orBadRequest(what, () => normalizePrefix(input));

/** A percent-encoded path taken from a URL (`/files/<encoded>`), decoded and validated; 400 when bad. */
export const parseUrlPath = (encoded: string, expect?: PathKind): string =>
  orBadRequest("path", () => normalizePath(decodeUrlPath(encoded), expect));

/** Percent-decodes one part of a URL (a path, a query value) strictly; 400 naming `what` when bad. */
export const decodeUrlPart = (encoded: string, what = "path"): string =>
  orBadRequest(what, () => decodeUrlPath(encoded));

/**
 * A prefix that names a folder (what a restore brings back, what a key may reach): the path
 * syntax above, ending in `/` so `docs` means the folder `docs/` (and never `docs-private/`).
 * "" means every path. 400 for anything a folder path may not hold.
 */
export function parseFolderPrefix(input: unknown): string {
  if (input === "") return "";
  return orBadRequest("prefix", () =>
    normalizePath(typeof input === "string" && !input.endsWith("/") ? `${input}/` : input, "folder"),
  );
}

/** A key's path prefix as stored: a folder prefix (above), a leading `/` dropped. */
export function parseKeyPrefix(text: string): string {
  return parseFolderPrefix(text.replace(/^\/+/, ""));
}

export const isFolderPath = (path: string) => path.endsWith("/");

/** The folder containing a path ("" for the root). */
export function parentOf(path: string): string {
  const trimmed = isFolderPath(path) ? path.slice(0, -1) : path;
  const slash = trimmed.lastIndexOf("/");
  return slash === -1 ? "" : trimmed.slice(0, slash + 1);
}

/** Last segment, without a trailing slash. */
export function nameOf(path: string): string {
  const trimmed = isFolderPath(path) ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Every folder above a path, outermost first: "a/b/c.txt" → ["a/", "a/b/"]. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let parent = parentOf(path);
  while (parent !== "") {
    out.unshift(parent);
    parent = parentOf(parent);
  }
  return out;
}

/** True when `folder` is the root ("") or a folder path ("a/") and `path` lies in it or is it. */
export function folderHolds(folder: string, path: string): boolean {
  return (folder === "" || isFolderPath(folder)) && path.startsWith(folder);
}

/** The folders that hold `path`, the root ("") first: "a/b/c.txt" → ["", "a/", "a/b/"]. */
export function enclosingFolders(path: string): string[] {
  return ["", ...ancestorsOf(path)];
}

/** Decodes the raw path of a URL (`/files/<encoded>`); throws PathError for bad percent-encoding. */
export function decodeUrlPath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new PathError("path is not valid percent-encoded UTF-8");
  }
}
