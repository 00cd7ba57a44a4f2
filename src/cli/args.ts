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
  | { kind: "help" }
  | { kind: "version" };

export class UsageError extends Error {
  override name = "UsageError";
}

export const HELP = `lightd — self-hosted versioned file storage in one executable

Usage:
  lightd [serve] [--port N] [--host ADDR] [--config PATH] [--data DIR] [--strict-config]
  lightd --token what|reset|set [--config PATH]
  lightd --help | --version

Commands:
  serve               Start the server (the default).
  --token what        Print the current master token.
  --token reset       Replace the master token with a fresh random one.
  --token set         Set the master token (prompts; reads one line from stdin when piped).

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

/** Parses the command line; throws UsageError with a message for the user. */
export function parseArgs(argv: string[]): Command {
  let configPath: string | undefined;
  let port: number | undefined;
  let host: string | undefined;
  let dataDir: string | undefined;
  let strictConfig = false;
  let tokenAction: string | undefined;
  let sawServe = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = takeValue(argv, i, flag);
      i++;
      return v;
    };
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
      case "--strict-config":
        if (inline !== undefined) throw new UsageError("--strict-config takes no value");
        strictConfig = true;
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
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
