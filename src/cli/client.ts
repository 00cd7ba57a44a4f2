import { UsageError } from "./args";
import { findCommand } from "./commands/index";
import { CommandContext } from "./context";
import { CliError, EXIT } from "./exit";
import { parseFlags } from "./flags";
import { commandHelp, fullHelp } from "./help";
import type { Streams } from "./output";

/**
 * argv as the client reads it — the command first — or undefined when argv names no client
 * command (nor `help`), as for `serve` and the token flags. The options every command takes
 * (`--profile NAME`, `--json`) may come before the command too: `lightd --profile admin ls`
 * is `lightd ls --profile admin`.
 */
function clientArgv(argv: readonly string[]): string[] | undefined {
  const leading: string[] = [];
  let i = 0;
  for (;;) {
    const arg = argv[i];
    if (arg === "--json" || arg?.startsWith("--profile=")) {
      leading.push(arg);
      i += 1;
    } else if (arg === "--profile" && i + 1 < argv.length) {
      leading.push(arg, argv[i + 1] as string);
      i += 2;
    } else break;
  }
  const name = argv[i];
  if (name === "help" && leading.length === 0) return [...argv];
  if (findCommand(name) === undefined) return undefined;
  return [name as string, ...leading, ...argv.slice(i + 1)];
}

/** Whether argv names a client command (or `help`), as opposed to `serve` and the token flags. */
export function isClientInvocation(argv: readonly string[]): boolean {
  return clientArgv(argv) !== undefined;
}

/**
 * Runs one client command and returns its exit code. Failures print one line —
 * `lightd: <the API's message>` — and never a stack trace.
 */
export async function runClient(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  streams: Streams,
): Promise<number> {
  const [name, ...rest] = clientArgv(argv) ?? argv;
  try {
    if (name === "help") {
      if (rest.length === 0) {
        streams.out(fullHelp());
        return EXIT.ok;
      }
      const command = findCommand(rest[0]);
      if (!command || rest.length > 1) throw new UsageError(`no such command '${rest.join(" ")}'`);
      streams.out(commandHelp(command));
      return EXIT.ok;
    }
    const command = findCommand(name);
    if (!command) throw new UsageError(`unknown command '${name}'`);
    const flags = parseFlags(rest, command.flags ?? {});
    if (flags.booleans.has("help")) {
      streams.out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run(new CommandContext(flags, streams, env));
  } catch (error) {
    if (error instanceof UsageError) {
      streams.err(
        `lightd: ${error.message}\nRun 'lightd help${name && name !== "help" ? ` ${name}` : ""}' for usage.\n`,
      );
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      streams.err(`lightd: ${error.message}\n`);
      return error.exitCode;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      streams.err(`lightd: ${(error as Error).message}\n`);
      return EXIT.notFound;
    }
    streams.err(`lightd: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.error;
  }
}
