import type { ClientCommand } from "../context";
import { FILE_COMMANDS } from "./files";
import { HISTORY_COMMANDS } from "./history";
import { KEY_COMMANDS } from "./keys";
import { LOGIN_COMMANDS } from "./login";
import { SHARE_COMMANDS } from "./shares";
import { SYNC_COMMANDS } from "./sync";
import { TRANSFER_COMMANDS } from "./transfer";
import { WATCH_COMMANDS } from "./watch";

/** Every client command, in the order `lightd --help` lists them. */
export const CLIENT_COMMANDS: readonly ClientCommand[] = [
  ...LOGIN_COMMANDS,
  ...FILE_COMMANDS,
  ...HISTORY_COMMANDS,
  ...SHARE_COMMANDS,
  ...TRANSFER_COMMANDS,
  ...SYNC_COMMANDS,
  ...WATCH_COMMANDS,
  ...KEY_COMMANDS,
];

export function findCommand(name: string | undefined): ClientCommand | undefined {
  return CLIENT_COMMANDS.find((c) => c.name === name);
}
