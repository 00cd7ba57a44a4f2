import type { Config } from "../../config";
import type { Logger } from "../../lib/logger";
import { parseTtl } from "../../lib/ttl";
import type { BackupService } from "./service";

/** The schedule is checked at most this often, so a due backup starts within a minute. */
const TICK_MS = 60_000;

/**
 * Scheduled backups: with `backups.to` and `backups.every` set, a backup runs whenever the
 * last one (of any kind, failed or not) started `every` ago or more — so a restart neither
 * skips one nor runs one early, and a failing target is retried once per period, not in a
 * loop. Returns the stop function: no run starts after it (the one under way is the service's
 * to stop, BackupService.stop).
 */
export function startBackupSchedule(backups: BackupService, config: () => Config, logger: Logger): () => void {
  const { to, every } = config().backups;
  const period = every === undefined ? null : parseTtl(every);
  if (!to || period === null) return () => {};
  const refused = backups.refusal();
  if (refused) {
    // Said once at start, rather than a failed run every period.
    logger.warn("scheduled backups are off", { to, reason: refused });
    return () => {};
  }
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const last = await backups.lastStarted();
      if (last !== undefined && last + period > Date.now()) return;
      await backups.run({ keep: backups.keep() });
    } catch (error) {
      // A run the stop cut short is recorded and logged as such by the service.
      if (stopped) return;
      logger.error("scheduled backup failed", { to, error: error instanceof Error ? error.message : String(error) });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), Math.min(period, TICK_MS));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
