import { readFileSync } from "node:fs";
import { createApp, VERSION } from "./app";
import { UsageError } from "./cli/args";
import { besideConfig, type Config, ConfigError, ConfigStore, loadConfigFile, resolveDataDir } from "./config";
import type { EdgeServer } from "./http/edge";
import { createHandler } from "./http/handler";
import { withUsableUrl } from "./http/usable-url";
import { startJobs } from "./jobs";
import { createLogger } from "./lib/logger";
import { feedSocketHandler } from "./modules/feed/socket";
import { buildServices } from "./services";
import { type OpenedMetadata, openMetadataEngine } from "./storage/db/engine";

/** Seconds a connection may stay silent: longer than storage's retries take to give up. */
const IDLE_TIMEOUT_S = 60;

/**
 * `lightd serve`: reads config.json, opens the metadata engine it names, builds the services, starts the background jobs and
 * listens until SIGTERM or SIGINT, then stops gracefully. The only place that calls listen.
 */
export async function serve(
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
  const tls = tlsFiles(configPath, config.server.tls);

  const store = new ConfigStore(config, configPath, (message) => logger.warn(message));
  store.watch();
  let opened: OpenedMetadata;
  try {
    opened = await openMetadataEngine(config, dataDir, env);
  } catch (error) {
    store.close();
    throw error;
  }
  logger.info("metadata", { engine: opened.engine, at: opened.location });
  const services = buildServices({
    config: store,
    dataDir,
    logger,
    metadata: opened.metadata,
    coordination: opened.coordination,
  });
  if (services.storage.startupCheck) {
    // Refuse to start on a store that cannot take bytes (an S3 bucket), rather than fail the first upload.
    try {
      await services.storage.startupCheck.check();
    } catch (error) {
      store.close();
      await services.close();
      // main's handler prints "lightd: <message>" (no stack) and exits 1.
      throw new Error(`S3 storage check failed: ${(error as Error).message}`);
    }
  }
  const app = createApp(services);
  const stopJobs = startJobs(services);
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
    durable: services.durable,
  });
  const scheme = tls ? "https" : "http";
  let fallbackOrigin = `${scheme}://localhost`;
  const server = Bun.serve({
    port,
    hostname: host,
    tls,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Bun's 10 s default would cut a request still waiting on storage (S3 retries its
    // connect and silent-socket timeouts three times) before its 503 could be sent.
    idleTimeout: IDLE_TIMEOUT_S,
    // The client address, a WebSocket upgrade and the idle timeout are known only to the
    // server, and only for the Request it received: the edge keeps both with the request.
    fetch: (received, srv) => handle(withUsableUrl(received, fallbackOrigin), srv as EdgeServer, received),
    websocket: feedSocketHandler(services.feed, () => store.current.feed),
  });
  // Where a request without a usable Host header is taken to have arrived.
  const reachable = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  fallbackOrigin = `${scheme}://${reachable}:${server.port}`;
  logger.info("listening", {
    url: `${scheme}://${host}:${server.port}`,
    port: server.port,
    data_dir: dataDir,
    version: VERSION,
  });

  const signal = await stopRequested;
  logger.info("shutting down", { signal });
  // Feed connections never end by themselves: close them (1001) so the stop below is not held up.
  services.feed.closeAll();
  // An admin's request for a backup is answered (503) once the backup stops, so the stop below need not wait for it.
  void services.backups.stop();
  const force = setTimeout(() => server.stop(true), 30_000);
  await server.stop(false); // stop accepting; wait for in-flight requests
  clearTimeout(force);
  await stopJobs();
  store.close();
  await services.close();
  logger.info("stopped");
  return 0;
}

/**
 * `server.tls`'s certificate and private key, read at start: a file that cannot be read, or
 * holds no PEM block of its kind, stops the start with a message naming it.
 */
function tlsFiles(configPath: string, tls: Config["server"]["tls"]): { cert: string; key: string } | undefined {
  if (!tls) return undefined;
  const read = (field: "cert_file" | "key_file", block: RegExp, what: string) => {
    const path = besideConfig(configPath, tls[field]);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ConfigError(`server.tls.${field}: cannot read ${path} (${reason})`);
    }
    if (!block.test(text)) throw new ConfigError(`server.tls.${field}: ${path} holds no PEM ${what}`);
    return text;
  };
  return {
    cert: read("cert_file", /-----BEGIN CERTIFICATE-----/, "certificate"),
    key: read("key_file", /-----BEGIN [A-Z ]*PRIVATE KEY-----/, "private key"),
  };
}
