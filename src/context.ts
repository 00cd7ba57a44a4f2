import type { Database } from "bun:sqlite";
import { join } from "node:path";
import type { ConfigStore } from "./config";
import type { Logger } from "./lib/logger";
import { CredentialVerifier } from "./modules/auth/verifier";
import { TokenService } from "./modules/tokens/service";
import { openDatabase } from "./storage/db/connection";
import { CredentialRepository } from "./storage/db/credentials";

export interface ContextOptions {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  now?: () => number;
}

/** Everything the HTTP layer and the CLI share: the database, repositories and services. */
export interface AppContext {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  db: Database;
  now: () => number;
  credentials: CredentialRepository;
  verifier: CredentialVerifier;
  tokens: TokenService;
  /** Periodic jobs (expired-token sweep, usage flush); returns a stop function. */
  startBackgroundJobs(): () => void;
  close(): void;
}

const SWEEP_INTERVAL_MS = 5 * 60_000;
const USAGE_FLUSH_MS = 5_000;

export function createContext(options: ContextOptions): AppContext {
  const now = options.now ?? Date.now;
  const db = openDatabase(join(options.dataDir, "lightd.db"));
  const credentials = new CredentialRepository(db);
  const verifier = new CredentialVerifier(db, credentials, {
    master: () => options.config.current.authorization,
    now,
  });
  const tokens = new TokenService(credentials, now);

  const context: AppContext = {
    config: options.config,
    dataDir: options.dataDir,
    logger: options.logger,
    db,
    now,
    credentials,
    verifier,
    tokens,
    startBackgroundJobs() {
      const sweep = () => {
        const removed = tokens.sweepExpired();
        if (removed > 0)
          options.logger.info("expired credentials removed", {
            count: removed,
          });
      };
      sweep();
      const timers = [setInterval(sweep, SWEEP_INTERVAL_MS), setInterval(() => verifier.flushUsage(), USAGE_FLUSH_MS)];
      for (const timer of timers) timer.unref();
      return () => timers.forEach(clearInterval);
    },
    close() {
      verifier.flushUsage();
      db.close();
    },
  };
  return context;
}
