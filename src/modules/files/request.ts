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
 */
export function contentTypeFor(path: string, given?: string | null): string {
  if (given && !/^[\x20-\x7e]*$/.test(given)) {
    throw badRequest("content_type may hold only printable ASCII characters");
  }
  const trimmed = given?.trim();
  if (trimmed && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(trimmed) && trimmed.length <= 255) return trimmed;
  return Bun.file(nameOf(path)).type || "application/octet-stream";
}
