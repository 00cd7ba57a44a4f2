export interface InviteRow {
  id: string;
  secret_hash: string;
  note: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: number | null;
}
