import { resolve } from "node:path";
// First: a server start may re-execute itself with an allocator option before the rest loads (allocator.ts).
import "./allocator";
import { VERSION } from "./app";
import { parseArgs, UsageError } from "./cli/args";
import { isClientInvocation, runClient } from "./cli/client";
import { fullHelp } from "./cli/help";
import { runMigrateCommand } from "./cli/migrate";
import { runTokenCommand } from "./cli/token";
import { ConfigError } from "./config";
import { runBackupCommand, runRestoreCommand } from "./modules/backups/cli";
import { serve } from "./server";

/** The entry: argv → the server or a command. The only place that reads the environment (besides allocator.ts's one option). */
async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  if (isClientInvocation(argv)) {
    const code = await runClient(argv, env, processStreams());
    // process.exit drops what a slow pipe has not taken yet: wait until stdout is flushed.
    await new Promise<void>((done) => process.stdout.write("", () => done()));
    return code;
  }
  const command = parseArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(fullHelp());
    return 0;
  }
  if (command.kind === "version") {
    process.stdout.write(`lightd ${VERSION}\n`);
    return 0;
  }
  const configPath = resolve(command.configPath ?? env.LIGHTD_CONFIG ?? "config.json");
  if (command.kind === "token") {
    return runTokenCommand(command.action, configPath, {
      stdin: process.stdin,
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    });
  }
  if (command.kind === "backup") return runBackupCommand(command, configPath, archiveIo);
  if (command.kind === "restore") return runRestoreCommand(command, configPath, archiveIo);
  if (command.kind === "migrate") {
    return runMigrateCommand({
      configPath,
      url: command.url,
      dataDir: command.dataDir,
      env,
      out: (t) => process.stdout.write(t),
    });
  }
  return serve(configPath, command, env);
}

const archiveIo = { out: (text: string) => void process.stdout.write(text), version: VERSION };

/** The client commands' view of the process: stdout, stderr and whether each is a terminal. */
function processStreams() {
  return {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
    writeBytes: (chunk: Uint8Array) =>
      new Promise<void>((done, fail) => {
        if (process.stdout.write(chunk)) done();
        else process.stdout.once("drain", done).once("error", fail);
      }),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`lightd: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write("Run 'lightd --help' for usage.\n");
      process.exit(2);
    }
    process.stderr.write(`lightd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
