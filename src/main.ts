import { resolve } from "node:path";
import { createApp, VERSION } from "./app";
import { parseArgs, UsageError } from "./cli/args";
import { isClientInvocation, runClient } from "./cli/client";
import { fullHelp } from "./cli/help";
import { runTokenCommand } from "./cli/token";
import { ConfigError, ConfigStore, loadConfigFile, resolveDataDir } from "./config";
import { createContext } from "./context";
import type { EdgeServer } from "./http/edge";
import { createHandler } from "./http/handler";
import { withUsableUrl } from "./http/usable-url";
import { createLogger } from "./lib/logger";
import { runBackupCommand, runRestoreCommand } from "./modules/backups/cli";
import { feedSocketHandler } from "./modules/feed/socket";

/** The only place that reads the environment and calls listen. */
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
  return serve(configPath, command, env);
}

const archiveIo = { out: (text: string) => void process.stdout.write(text), version: VERSION };

async function serve(
  configPath: string,
  flags: { port?: number; host?: string; dataDir?: string; strictConfig?: boolean },
  env: Record<string, string | undefined>,
): Promise<number> {
  const logger = createLogger();
  const { config, created, unknownKeys } = loadConfigFile(configPath);
  // A misspelt key would leave a setting silently at its default: name each one.
  if (unknownKeys.length > 0 && flags.strictConfig) {
    throw new ConfigError(`${configPath}: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.join(", ")}`);
  }
  for (const key of unknownKeys) logger.warn("unknown key in config.json ignored", { key, config: configPath });
  if (created) {
    process.stdout.write(
      `Created ${configPath} with a new master token (shown once; see it again with 'lightd --token what'):\n  ${config.authorization.token}\n\n`,
    );
  }
  const envPort = env.LIGHTD_PORT;
  if (envPort !== undefined && !/^\d{1,5}$/.test(envPort))
    throw new UsageError(`LIGHTD_PORT: invalid port '${envPort}'`);
  const port = flags.port ?? (envPort !== undefined ? Number(envPort) : config.server.port);
  const host = flags.host ?? env.LIGHTD_HOST ?? config.server.host;
  const dataDir = resolveDataDir(configPath, config, flags.dataDir ?? env.LIGHTD_DATA);

  const store = new ConfigStore(config, configPath, (message) => logger.warn(message));
  store.watch();
  const ctx = createContext({ config: store, dataDir, logger });
  if (ctx.storage.startupCheck) {
    // Refuse to start on a store that cannot take bytes (an S3 bucket), rather than fail the first upload.
    try {
      await ctx.storage.startupCheck.check();
    } catch (error) {
      store.close();
      ctx.close();
      // main's handler prints "lightd: <message>" (no stack) and exits 1.
      throw new Error(`S3 storage check failed: ${(error as Error).message}`);
    }
  }
  const app = createApp(ctx);
  const stopJobs = ctx.startBackgroundJobs();
  if (!config.authorization.enabled) {
    logger.warn(
      "AUTHORIZATION IS DISABLED: every protected route is open to anyone who can reach this port. Use only for local development.",
    );
  }

  if (config.smtp.host && !config.server.public_url) {
    logger.warn(
      "smtp.host is set but server.public_url is not: sign-in links are refused (503) until server.public_url is set, because an e-mailed link never takes its address from the request",
    );
  }

  // Signal handlers go in before the server starts, so a stop that arrives right after the
  // "listening" line still shuts down gracefully instead of killing the process.
  const stopRequested = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });

  const handle = createHandler(app, {
    maxBodyBytes: () => store.current.server.max_body_bytes,
    corsOrigins: () => store.current.server.cors_origins,
    logger,
    logRequests: () => store.current.log.requests,
  });
  let fallbackOrigin = "http://localhost";
  const server = Bun.serve({
    port,
    hostname: host,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // The client address, a WebSocket upgrade and the idle timeout are known only to the
    // server, and only for the Request it received: the edge keeps both with the request.
    fetch: (received, srv) => handle(withUsableUrl(received, fallbackOrigin), srv as EdgeServer, received),
    websocket: feedSocketHandler(ctx.feed, () => store.current.feed),
  });
  // Where a request without a usable Host header is taken to have arrived.
  const reachable = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  fallbackOrigin = `http://${reachable}:${server.port}`;
  logger.info("listening", {
    url: `http://${host}:${server.port}`,
    port: server.port,
    data_dir: dataDir,
    version: VERSION,
  });

  const signal = await stopRequested;
  logger.info("shutting down", { signal });
  // Feed connections never end by themselves: close them (1001) so the stop below is not held up.
  ctx.feed.closeAll();
  const force = setTimeout(() => server.stop(true), 30_000);
  await server.stop(false); // stop accepting; wait for in-flight requests
  clearTimeout(force);
  stopJobs();
  store.close();
  ctx.close();
  logger.info("stopped");
  return 0;
}

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
