import type { CredentialKind } from "../../lib/token-format";

export interface CredentialRow {
  id: string;
  kind: CredentialKind;
  account_id: number;
  secret_hash: string;
  name: string;
  scopes: string | null;
  prefix: string;
  remove_on_use: number;
  created_at: number;
  expires_at: number | null;
  rotated_at: number | null;
  last_used_at: number | null;
  use_count: number;
  /** The OAuth grant an access or refresh token belongs to (null for every other credential). */
  grant_id: string | null;
}

/** The columns of a CredentialRow, for both engines' SELECTs (a rotation's sealed answer stays out). */
export const CREDENTIAL_COLUMNS =
  "id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, created_at, expires_at, rotated_at, last_used_at, use_count, grant_id";

/** The credentials that are API keys (kinds `live` and `test`), for both engines' WHERE clauses. */
export const IS_API_KEY = "kind IN ('live', 'test')";

/** The columns authentication needs on every request: kind, owner, secret, power and expiry. */
export type CredentialAuthRow = Pick<
  CredentialRow,
  "id" | "kind" | "account_id" | "secret_hash" | "name" | "scopes" | "prefix" | "remove_on_use" | "expires_at"
>;

export type NewCredential = Pick<CredentialRow, "id" | "kind" | "account_id" | "secret_hash" | "created_at"> &
  Partial<Pick<CredentialRow, "name" | "scopes" | "prefix" | "remove_on_use" | "expires_at" | "grant_id">> & {
    /** The key or token an API key was made with; its deletion deletes this one (see CredentialVerifier.creatorOf). */
    made_by?: string | null;
    /** The app authorization an API key was made by; revoking it deletes this one. */
    made_by_grant?: string | null;
  };
