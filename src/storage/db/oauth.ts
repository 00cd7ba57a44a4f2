export type ClientAuthMethod = "none" | "client_secret_basic" | "client_secret_post";

export interface OAuthClientRow {
  id: string;
  account_id: number;
  name: string;
  /** JSON array of the registered redirect URIs, compared by exact string. */
  redirect_uris: string;
  auth_method: ClientAuthMethod;
  /** argon2id hash of the client secret; null for public clients. */
  secret_hash: string | null;
  created_at: number;
  secret_rotated_at: number | null;
}

export interface OAuthCodeRow {
  code_hash: string;
  client_id: string;
  account_id: number;
  /** The redirect_uri of the authorization request as sent (null when it was left out). */
  redirect_uri: string | null;
  scopes: string;
  prefix: string;
  code_challenge: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  grant_id: string | null;
}

/** One consent: what an account let one app do. Its access and refresh tokens reference it. */
export interface OAuthGrantRow {
  id: string;
  client_id: string;
  account_id: number;
  scopes: string;
  prefix: string;
  created_at: number;
  refreshed_at: number | null;
}
