/**
 * What a byte store throws when the caller asked for something it cannot do. These are
 * storage's own words: the HTTP renderer (src/http/errors.ts) maps each to a status once,
 * and services that must tell them apart (quota, copy races) match on the class.
 * Anything else a store throws (an unreachable S3, a full disk) is an ordinary failure.
 */
export class BlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No object at this key, or no multipart upload with this id for this key. */
export class BlobNotFound extends BlobError {
  constructor(what: "Object" | "Upload" = "Object") {
    super(`${what} not found`);
  }
}

/** The body passed the `maxBytes` the caller allowed; nothing was kept. */
export class BlobTooLarge extends BlobError {
  constructor(readonly limit: number) {
    super("Request body too large");
  }
}

/** The byte range lies outside the object; `size` is the object's size when the store knows it. */
export class RangeNotSatisfiable extends BlobError {
  constructor(readonly size?: number) {
    super("Requested range not satisfiable");
  }
}

/** Write-once refused (an object exists or is being written), or the object changed since it was read. */
export class BlobConflict extends BlobError {}

/** The request names no valid object or part: a malformed key, part number or part list. */
export class BlobRequestInvalid extends BlobError {}

export const objectExists = () => new BlobConflict("Object already uploaded; a signed upload URL writes once");
export const objectChanged = () =>
  new BlobConflict("The upload changed while it was being completed; complete it again");
