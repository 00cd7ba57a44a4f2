export interface SpaceTotals {
  files: number;
  bytes: number;
  /** Bytes of objects only older versions hold. */
  version_bytes: number;
  last_tx: number;
}
