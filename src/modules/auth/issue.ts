import { newId } from "../../lib/ids";
import { hashSecret } from "../../lib/secrets";
import { type IssuedToken, issueToken } from "../../lib/token-format";
import type { NewCredential } from "../../storage/db/credentials";
import type { Metadata } from "../../storage/db/metadata";

/**
 * Mints a `lightd_<kind>_<id>_<secret>` credential and stores it. Security rule: only the
 * argon2id hash of the secret is kept; the token text exists once, in the return value.
 */
export async function issueCredential(
  metadata: Metadata,
  fields: Omit<NewCredential, "id" | "secret_hash">,
): Promise<IssuedToken> {
  const issued = issueToken(fields.kind, newId());
  // The slow hash runs before the unit of work, so no writer waits for it.
  const secretHash = await hashSecret(issued.secret);
  await metadata.write((tx) => tx.credentials.insert({ ...fields, id: issued.id, secret_hash: secretHash }));
  return issued;
}
