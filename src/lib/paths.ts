/**
 * The storage path rules: relative UTF-8 in NFC, `/`-separated, at most 1024 bytes,
 * no empty, `.` or `..` segments, no control characters; a trailing `/` names a
 * folder. Paths are metadata only — bytes live under internal object keys — so a
 * path can never reach the disk, but bad ones are still refused with 400 up front.
 */
export const MAX_PATH_BYTES = 1024;

export type PathKind = "file" | "folder";

export class PathError extends Error {
  override name = "PathError";
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const encoder = new TextEncoder();

/** Validates and NFC-normalizes a file or folder path; throws PathError with the reason. */
export function normalizePath(input: unknown, expect?: PathKind): string {
  if (typeof input !== "string") throw new PathError("path must be a string");
  if (input.length === 0) throw new PathError("path must not be empty");
  if (!input.isWellFormed()) throw new PathError("path is not valid UTF-8");
  const path = input.normalize("NFC");
  if (encoder.encode(path).byteLength > MAX_PATH_BYTES)
    throw new PathError(`path is longer than ${MAX_PATH_BYTES} bytes`);
  if (CONTROL.test(path)) throw new PathError("path contains a control character");
  if (path.startsWith("/")) throw new PathError("path must be relative (no leading '/')");
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
  if (typeof input !== "string") throw new PathError("prefix must be a string");
  if (!input.isWellFormed()) throw new PathError("prefix is not valid UTF-8");
  const prefix = input.normalize("NFC");
  if (encoder.encode(prefix).byteLength > MAX_PATH_BYTES)
    throw new PathError(`prefix is longer than ${MAX_PATH_BYTES} bytes`);
  if (CONTROL.test(prefix)) throw new PathError("prefix contains a control character");
  if (prefix.startsWith("/")) throw new PathError("prefix must be relative (no leading '/')");
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

/** Decodes the raw path of a URL (`/files/<encoded>`); throws PathError for bad percent-encoding. */
export function decodeUrlPath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new PathError("path is not valid percent-encoded UTF-8");
  }
}
