export interface UploadRow {
  id: string;
  account_id: number;
  space: string;
  path: string;
  object_key: string;
  kind: "single" | "multipart";
  content_type: string;
  created_at: number;
  expires_at: number;
  /** Bytes its signed PUTs have reserved or stored while pending (they count against the quota). */
  bytes?: number;
  /** Set when a single upload was completed; the row stays until its URL expires. */
  completed_at?: number | null;
}
