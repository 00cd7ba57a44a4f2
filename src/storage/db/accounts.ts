export interface AccountRow {
  id: number;
  name: string;
  type: "human" | "agent";
  public_key: string | null;
  email: string | null;
  created_at: number;
  /** Storage limits across both spaces; null = no limit. */
  quota_bytes: number | null;
  quota_files: number | null;
}

export type NewAccount = Pick<AccountRow, "name" | "type" | "created_at"> &
  Partial<Pick<AccountRow, "public_key" | "email" | "quota_bytes" | "quota_files">>;
