import type { LocalBody } from "./local-body";

/**
 * What some byte stores can do beyond the BlobStore contract, declared once and handed out
 * by the factory beside the store, so no caller tests a class or probes for a method.
 */

/** Objects are files on this machine: a download can hand the file to the server (sendfile). */
export interface LocalFiles {
  /** The file that holds the bytes of `key`. Throws BlobRequestInvalid for a malformed key. */
  pathOf(key: string): string;
  /**
   * What a download of `key` sends (its bytes or the file, ./local-body.ts) and its size now;
   * `expected` is the size the metadata gives. Null when there is no file.
   */
  bodyOf(key: string, expected: number): LocalBody | null;
}

/** The store must prove it can take bytes before the server starts (an S3 bucket's reach and rights). */
export interface StartupCheck {
  /** Throws an Error whose message names what failed, for the operator. */
  check(): Promise<void>;
}
