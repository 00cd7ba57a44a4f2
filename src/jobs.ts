import { startBackupSchedule } from "./modules/backups/schedule";
import type { Services } from "./services";
import { singleInstanceJobs } from "./storage/db/coordination";

const SWEEP_INTERVAL_MS = 5 * 60_000;
const USAGE_FLUSH_MS = 5_000;
const STALE_UPLOAD_SWEEP_MS = 60 * 60_000;
/** How often the reclaim pass runs (queue drain + garbage collection). */
const RECLAIM_INTERVAL_MS = 15 * 60_000;
/** Stored bytes younger than this are never collected: an upload may still be about to commit them. */
export const RECLAIM_GRACE_MS = 60 * 60_000;

/**
 * The server's background jobs: the expired-credential sweep, the usage-counter flush, the
 * stale-upload cleanup, the version pruning and reclaim pass, the feed's timers, webhook
 * delivery and scheduled backups. With several instances (Postgres) the sweeps and the reclaim
 * pass run on one instance at a time, every instance sends webhooks from the shared queue, and
 * one runs the backup schedule.
 * Returns the function that stops them all.
 */
export function startJobs(services: Services): () => void {
  const { logger, uploads, reclaimer, verifier, versions } = services;
  const jobs = services.coordination ?? singleInstanceJobs();
  const sweep = () => jobs.exclusive("sweep", sweepExpired);
  const sweepExpired = async () => {
    try {
      const { tokens, shares, challenges, magicLinks, dav, oauth } = services;
      const counts = [tokens, shares, challenges, magicLinks, dav.locks, oauth].map((swept) => swept.sweepExpired());
      const removed = (await Promise.all(counts)).reduce((a, b) => a + b, 0);
      if (removed > 0) logger.info("expired credentials removed", { count: removed });
      // Shared rate-limit buckets untouched for an hour are full again: forget them.
      await services.coordination?.pruneBuckets(Date.now() - 60 * 60_000);
    } catch (error) {
      logger.error("expired credential sweep failed", { error: String(error) });
    }
  };
  void sweep();
  // Uploads never completed within a day, and completed ones whose URL expired.
  const sweepUploads = () =>
    jobs.exclusive("uploads", () =>
      uploads.cleanupStale().then(
        (removed) => void (removed > 0 && logger.info("stale uploads removed", { count: removed })),
        (error) => logger.error("stale upload cleanup failed", { error: String(error) }),
      ),
    );
  // Bytes nothing references: the queue left by a crash, then the garbage collector.
  const reclaim = (atStart: boolean) =>
    jobs.exclusive("reclaim", async () => {
      try {
        // Versions past retention first, so their bytes join the queue (after the signed-URL grace).
        const pruned = await versions.pruneExpired();
        if (pruned.versions > 0) logger.info("versions past retention removed", pruned);
        const queued = await reclaimer.drain();
        // Store clocks are wall time; anything newer than the grace period may be an upload in flight.
        const { objects, leftovers } = await reclaimer.collect(Date.now() - RECLAIM_GRACE_MS);
        if (atStart || queued + objects + leftovers > 0) {
          logger.info("reclaim pass finished", { queued, objects, leftovers });
        }
      } catch (error) {
        logger.error("reclaim pass failed", { error: String(error) });
      }
    });
  void sweepUploads().then(() => reclaim(true));
  const timers = [
    setInterval(sweep, SWEEP_INTERVAL_MS),
    setInterval(
      () => verifier.flushUsage().catch((error) => logger.error("usage flush failed", { error: String(error) })),
      USAGE_FLUSH_MS,
    ),
    setInterval(sweepUploads, STALE_UPLOAD_SWEEP_MS),
    setInterval(() => void reclaim(false), RECLAIM_INTERVAL_MS),
  ];
  for (const timer of timers) timer.unref();
  const stopFeed = services.feed.startTimers();
  // Every instance sends webhooks: they share the queue by claiming deliveries.
  const stopHooks = services.hookDelivery.start();
  const stopBackups = jobs.lead("backups", () =>
    startBackupSchedule(services.backups, () => services.config.current, logger),
  );
  return () => {
    stopBackups();
    timers.forEach(clearInterval);
    stopFeed();
    stopHooks();
  };
}
