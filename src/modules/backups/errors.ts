/**
 * Why an archive was refused. Each kind has a message a person can act on; the CLI prints
 * it after "lightd: ", the admin API answers it as a 4xx/5xx JSON error.
 */
export type ArchiveProblem =
  | "truncated"
  | "damaged"
  | "wrong_passphrase"
  | "passphrase_required"
  | "not_an_archive"
  | "unsupported"
  | "target_not_empty"
  | "changed_during_backup";

export class ArchiveError extends Error {
  override name = "ArchiveError";
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
  ) {
    super(message);
  }
}

/** "the archive is damaged: <why>", the one wording of every damage found past the tar layer. */
export const damaged = (why: string) => new ArchiveError("damaged", `the archive is damaged: ${why}`);
