/**
 * Exit codes of the client commands, documented in `lightd help` and the README, so scripts
 * can tell "not there" and "not allowed" from other failures without parsing messages.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, auth: 4 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure to report as one line on stderr, with the exit code it stands for. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
  ) {
    super(message);
  }
}

/** The exit code an HTTP status stands for: 401/403 are auth, 404 is not found. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  return EXIT.error;
}
