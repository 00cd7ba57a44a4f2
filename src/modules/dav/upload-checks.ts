import { createHash, type Hash } from "node:crypto";
import { badRequest } from "../../domain/errors";

const ALGORITHMS: Record<string, string> = { SHA1: "sha1", MD5: "md5", SHA256: "sha256", ADLER32: "" };

/**
 * `OC-Checksum: SHA1:<hex>` (ownCloud clients, rclone's owncloud vendor): the bytes are
 * hashed as they stream to storage and a mismatch fails the upload before it is
 * committed, so a corrupted transfer never replaces a file. A verified checksum is kept
 * and answered as `oc:checksums`; an algorithm lightd cannot compute is ignored.
 */
export function verifyChecksum(
  body: ReadableStream<Uint8Array>,
  header: string | null,
): { body: ReadableStream<Uint8Array>; checksum: () => string | null } {
  const match = header ? /^\s*([A-Za-z0-9]+):([0-9a-fA-F]+)\s*$/.exec(header) : null;
  const algorithm = match ? ALGORITHMS[(match[1] as string).toUpperCase()] : undefined;
  if (!match || !algorithm) return { body, checksum: () => null };
  const expected = (match[2] as string).toLowerCase();
  const label = (match[1] as string).toUpperCase();
  const hash: Hash = createHash(algorithm);
  let verified = false;
  const checked = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      flush(controller) {
        if (hash.digest("hex") !== expected) {
          controller.error(badRequest(`The body does not match OC-Checksum ${label}`));
          return;
        }
        verified = true;
      },
    }),
  );
  return { body: checked, checksum: () => (verified ? `${label}:${expected}` : null) };
}
