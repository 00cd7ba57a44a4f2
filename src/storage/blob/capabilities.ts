/**
 * What some byte stores can do beyond the BlobStore contract, declared once and handed out
 * by the factory beside the store, so no caller tests a class or probes for a method.
 */

/** Objects are files on this machine: a download can hand the file to the server (sendfile). */
export interface LocalFiles {
  /** The file that holds the bytes of `key`. Throws BlobRequestInvalid for a malformed key. */
  pathOf(key: string): string;
  /**
   * The file that holds `key` as a body the server sends itself (sendfile), its `size` the
   * file's size now (one stat(2)); null when there is none.
   */
  fileOf(key: string): Blob | null;
}

/** The store must prove it can take bytes before the server starts (an S3 bucket's reach and rights). */
export interface StartupCheck {
  /** Throws an Error whose message names what failed, for the operator. */
  check(): Promise<void>;
}
