/** An account's limits; null means no limit. */
export interface QuotaLimits {
  bytes: number | null;
  files: number | null;
}

export interface Usage {
  files: number;
  /** Current files' bytes plus those only older versions hold. */
  bytes: number;
  /** The part of `bytes` only older versions hold: given up first when a write needs the room. */
  version_bytes: number;
  /** Bytes sent to uploads not yet completed (not part of `bytes`). */
  pending_bytes: number;
}
