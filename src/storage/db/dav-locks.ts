export interface LockRow {
  token: string;
  account_id: number;
  space: string;
  /** The locked path (a folder ends with '/'). */
  path: string;
  /** 1 for Depth: infinity (a folder and everything in it), 0 for the resource alone. */
  deep: number;
  exclusive: number;
  /** The client's `DAV:owner` element, as XML. */
  owner: string;
  /** The credential that took the lock ("master" for the master token). */
  holder: string;
  timeout_s: number;
  expires_at: number;
}
