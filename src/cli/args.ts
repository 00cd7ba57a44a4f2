import type { BackupCommand, RestoreCommand } from "../modules/backups/cli";

export type Command =
  | {
      kind: "serve";
      configPath?: string;
      port?: number;
      host?: string;
      dataDir?: string;
      /** Refuse to start when config.json holds a key lightd does not know (else: a warning per key). */
      strictConfig?: boolean;
    }
  | { kind: "token"; action: "what" | "reset" | "set"; configPath?: string }
  | (BackupCommand & { configPath?: string })
  | (RestoreCommand & { configPath?: string })
  /** Copy this server's SQLite metadata into an empty Postgres database. */
  | { kind: "migrate"; to: "postgres"; url?: string; configPath?: string; dataDir?: string }
  | { kind: "help" }
  | { kind: "version" };

export class UsageError extends Error {
  override name = "UsageError";
}

export const HELP = `lightd — self-hosted versioned file storage in one executable

Usage:
  lightd [serve] [--port N] [--host ADDR] [--config PATH] [--data DIR] [--strict-config]
  lightd --token what|reset|set [--config PATH]
  lightd backup --to PATH [--passphrase-file F] [--config PATH] [--data DIR]
  lightd backup --verify PATH [--passphrase-file F] [--config PATH]
  lightd restore --from PATH [--config NEW/config.json] [--data DIR] [--passphrase-file F]
  lightd migrate --to postgres [--url URL] [--config PATH] [--data DIR]
  lightd --help | --version

Commands:
  serve               Start the server (the default).
  --token what        Print the current master token.
  --token reset       Replace the master token with a fresh random one.
  --token set         Set the master token (prompts; reads one line from stdin when piped).
  backup --to PATH    Write one consistent archive of the server (database, every stored
                      object, config.json) while it runs; PATH is a file, a directory or
                      s3://bucket/prefix. --passphrase-file encrypts it.
  backup --verify PATH  Check an archive end to end (every SHA-256, the database) without restoring;
                      for s3:// archives, the bucket's credentials come from --config.
  restore --from PATH Restore an archive into an empty data dir; writes its config.json to --config.
  migrate --to postgres
                      Copy the SQLite metadata (accounts, keys, files, shares, hooks …) into an
                      empty Postgres database: --url, else metadata.url, else the PG* variables.
                      Stop the server first; bytes stay where storage points.

Options:
  --port N            Port to listen on (env LIGHTD_PORT; default 8070; 0 = any free port).
  --host ADDR         Address to bind (env LIGHTD_HOST; default 0.0.0.0).
  --config PATH       Config file (env LIGHTD_CONFIG; default ./config.json; created on first start).
  --data DIR          Data directory (env LIGHTD_DATA; default storage.dir, "data" beside config.json).
  --strict-config     Refuse to start when config.json has a key lightd does not know
                      (without it, each unknown key is logged as a warning).
  -h, --help          Show this help.
  -v, --version       Show the version.
`;

function takeValue(argv: string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
  return value;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`invalid port '${text}'`);
  return Number(text);
}

/** `backup` and `restore`: their own flags, each taking a value. */
function parseArchiveCommand(kind: "backup" | "restore", argv: string[]): Command {
  const values: Record<string, string> = {};
  const allowed =
    kind === "backup"
      ? ["--to", "--verify", "--passphrase-file", "--config", "--data"]
      : ["--from", "--passphrase-file", "--config", "--data"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!allowed.includes(flag)) throw new UsageError(`${kind}: unknown argument '${arg}'`);
    if (flag in values) throw new UsageError(`${kind}: ${flag} given twice`);
    values[flag] = eq > 0 ? arg.slice(eq + 1) : takeValue(argv, i++, flag);
  }
  const common = {
    passphraseFile: values["--passphrase-file"],
    configPath: values["--config"],
    dataDir: values["--data"],
  };
  if (kind === "restore") {
    const from = values["--from"];
    if (from === undefined) throw new UsageError("restore needs --from PATH");
    return { kind, from, ...common };
  }
  const to = values["--to"];
  const verify = values["--verify"];
  if ((to === undefined) === (verify === undefined)) throw new UsageError("backup needs --to PATH or --verify PATH");
  return { kind, to, verify, ...common };
}

/** Parses the command line; throws UsageError with a message for the user. */
export function parseArgs(argv: string[]): Command {
  if (argv[0] === "backup" || argv[0] === "restore") return parseArchiveCommand(argv[0], argv.slice(1));
  let configPath: string | undefined;
  let port: number | undefined;
  let host: string | undefined;
  let dataDir: string | undefined;
  let strictConfig = false;
  let tokenAction: string | undefined;
  let sawServe = false;
  let migrateTo: string | undefined;
  let url: string | undefined;
  const migrating = argv[0] === "migrate";
  for (let i = migrating ? 1 : 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => inline ?? takeValue(argv, i++, flag);
    switch (flag) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "-v":
      case "--version":
        return { kind: "version" };
      case "serve":
        sawServe = true;
        break;
      case "--config":
        configPath = value();
        break;
      case "--port":
        port = parsePort(value());
        break;
      case "--host":
        host = value();
        break;
      case "--data":
        dataDir = value();
        break;
      case "--token":
        tokenAction = value();
        break;
      case "--to":
        if (!migrating) throw new UsageError("--to belongs to 'lightd migrate'");
        migrateTo = value();
        break;
      case "--url":
        if (!migrating) throw new UsageError("--url belongs to 'lightd migrate'");
        url = value();
        break;
      case "--strict-config":
        if (inline !== undefined) throw new UsageError("--strict-config takes no value");
        strictConfig = true;
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (migrating) {
    if (sawServe || tokenAction !== undefined || port !== undefined || host !== undefined || strictConfig) {
      throw new UsageError("lightd migrate takes --to, --url, --config and --data only");
    }
    if (migrateTo !== "postgres") throw new UsageError("lightd migrate needs --to postgres");
    if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
      throw new UsageError("--url must start with postgres:// or postgresql://");
    }
    return { kind: "migrate", to: "postgres", url, configPath, dataDir };
  }
  if (tokenAction !== undefined) {
    if (sawServe) throw new UsageError("--token cannot be combined with serve");
    if (tokenAction !== "what" && tokenAction !== "reset" && tokenAction !== "set") {
      throw new UsageError(`--token takes what, reset or set (got '${tokenAction}')`);
    }
    return { kind: "token", action: tokenAction, configPath };
  }
  return { kind: "serve", configPath, port, host, dataDir, ...(strictConfig ? { strictConfig } : {}) };
}
