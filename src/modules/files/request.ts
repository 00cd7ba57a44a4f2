import { badRequest } from "../../domain/errors";
import { nameOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { Scope } from "../../storage/db/files";

/** The account space a principal acts in. */
export const scopeOf = (principal: Principal): Scope => ({ account: principal.accountId, space: principal.space });

/**
 * Content type from the uploader, else guessed from the file name. A type with characters
 * outside printable ASCII is refused (400): no HTTP client could send it back in the
 * Content-Type header a signed upload URL binds, so the URL would fail for everyone.
 * A form type counts as absent: it is what curl sends for `--data-binary @file` unless told
 * otherwise, and says nothing about the file (a notes.txt would be served as a form body).
 */
export function contentTypeFor(path: string, given?: string | null): string {
  if (given && !/^[\x20-\x7e]*$/.test(given)) {
    throw badRequest("content_type may hold only printable ASCII characters");
  }
  const trimmed = given?.trim();
  if (trimmed && FORM_BODY.test(trimmed)) return guessed(path);
  if (trimmed && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(trimmed) && trimmed.length <= 255) return trimmed;
  return guessed(path);
}

const FORM_BODY = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;

const guessed = (path: string): string => Bun.file(nameOf(path)).type || "application/octet-stream";
