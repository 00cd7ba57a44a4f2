import { newId } from "../../lib/ids";
import { hashSecret } from "../../lib/secrets";
import { type IssuedToken, issueToken } from "../../lib/token-format";
import type { CredentialRepository, NewCredential } from "../../storage/db/credentials";

/**
 * Mints a `lightd_<kind>_<id>_<secret>` credential and stores it. Security rule: only the
 * argon2id hash of the secret is kept; the token text exists once, in the return value.
 */
export async function issueCredential(
  credentials: CredentialRepository,
  fields: Omit<NewCredential, "id" | "secret_hash">,
): Promise<IssuedToken> {
  const issued = issueToken(fields.kind, newId());
  credentials.insert({ ...fields, id: issued.id, secret_hash: await hashSecret(issued.secret) });
  return issued;
}
