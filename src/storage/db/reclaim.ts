export interface ReclaimRow {
  object_key: string;
  /** A multipart upload to abort; "" for a stored object to delete. */
  upload_id: string;
  queued_at: number;
  /** Not deleted before this time (Unix ms): a signed URL handed out earlier may still be used. */
  not_before: number;
}
