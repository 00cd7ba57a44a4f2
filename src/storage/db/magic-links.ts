export interface MagicLinkRow {
  id: string;
  email: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
}
