import { HELP } from "./args";
import { CLIENT_COMMANDS } from "./commands/index";
import type { ClientCommand } from "./context";

const CLIENT_FOOTER = `
Client options (every command; before or after it):
  --profile NAME      Use this profile (env LIGHTD_PROFILE; default "default").
  --json              Machine-readable JSON on stdout.
Environment: LIGHTD_URL and LIGHTD_TOKEN override the profile's server and credential.
Profiles live in $XDG_CONFIG_HOME/lightd (else ~/.config/lightd), files 0600, folder 0700.
Progress bars go to stderr, only when it is a terminal.

Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 not logged in / not allowed (401, 403).
Run 'lightd help COMMAND' for a command's options.
`;

/** `lightd --help`: the server usage as before, then every client command. */
export function fullHelp(): string {
  const width = Math.max(...CLIENT_COMMANDS.map((c) => c.name.length)) + 2;
  const lines = CLIENT_COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return `${HELP}\nClient commands (talk to a lightd server over its HTTP API):\n${lines.join("\n")}\n${CLIENT_FOOTER}`;
}

/** `lightd help COMMAND`. */
export function commandHelp(command: ClientCommand): string {
  const details = command.details ? `\n${command.details}\n` : "";
  return `Usage: lightd ${command.usage}\n\n${command.summary}.\n${details}${CLIENT_FOOTER}`;
}
