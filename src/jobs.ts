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
/** How long a stop waits for the passes under way to end before the metadata closes anyway. */
const STOP_WAIT_MS = 10_000;

/**
 * The server's background jobs: the expired-credential sweep, the usage-counter flush, the
 * stale-upload cleanup, the version pruning and reclaim pass, the feed's timers, webhook
 * delivery and scheduled backups. With several instances (Postgres) the sweeps and the reclaim
 * pass run on one instance at a time, every instance sends webhooks from the shared queue, and
 * one runs the backup schedule.
 * Returns the function that stops them all: it resolves once the passes under way have ended
 * (the reclaim pass and webhook delivery stop at their next step), or after `STOP_WAIT_MS`.
 */
export function startJobs(services: Services): () => Promise<void> {
  const { logger, uploads, reclaimer, verifier, versions } = services;
  const jobs = services.coordination ?? singleInstanceJobs();
  /** Passes under way, so that a stop can wait for them before the metadata closes. */
  const running = new Set<Promise<void>>();
  let stopping = false;
  /** Runs a pass unless the jobs are stopping (each pass logs its own failures). */
  const track = (pass: () => Promise<unknown>): Promise<void> => {
    if (stopping) return Promise.resolve();
    const under = pass().then(
      () => {},
      (error) => logger.error("background job failed", { error: String(error) }),
    );
    running.add(under);
    void under.then(() => running.delete(under));
    return under;
  };
  const sweep = () => track(() => jobs.exclusive("sweep", sweepExpired));
  const sweepExpired = async () => {
    try {
      const { tokens, shares, challenges, magicLinks, dav, oauth } = services;
      const counts = [tokens, shares, challenges, magicLinks, dav.locks, oauth].map((swept) => swept.sweepExpired());
      const removed = (await Promise.all(counts)).reduce((a, b) => a + b, 0);
      if (removed > 0) logger.info("expired credentials removed", { count: removed });
      const abandoned = await services.backups.sweepAbandoned();
      if (abandoned > 0) logger.warn("backups left unfinished recorded as failed", { count: abandoned });
      // Shared rate-limit buckets untouched for an hour are full again: forget them.
      await services.coordination?.pruneBuckets(Date.now() - 60 * 60_000);
    } catch (error) {
      logger.error("expired credential sweep failed", { error: String(error) });
    }
  };
  void sweep();
  // Uploads never completed within a day, and completed ones whose URL expired.
  const sweepUploads = () =>
    track(() =>
      jobs.exclusive("uploads", () =>
        uploads.cleanupStale().then(
          (removed) => void (removed > 0 && logger.info("stale uploads removed", { count: removed })),
          (error) => logger.error("stale upload cleanup failed", { error: String(error) }),
        ),
      ),
    );
  // Bytes nothing references: the queue left by a crash, then the garbage collector.
  const reclaim = (atStart: boolean) =>
    track(() =>
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
      }),
    );
  void sweepUploads().then(() => reclaim(true));
  const timers = [
    setInterval(sweep, SWEEP_INTERVAL_MS),
    setInterval(
      () =>
        track(() =>
          verifier.flushUsage().catch((error) => logger.error("usage flush failed", { error: String(error) })),
        ),
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
  return async () => {
    stopping = true;
    stopBackups();
    timers.forEach(clearInterval);
    stopFeed();
    // Deletions stop before their next object (after the ones under way); the passes then end.
    // A backup under way (scheduled or asked for) stops at its next object, recorded as failed.
    const stopped = reclaimer.pause().then(() => Promise.all([stopHooks(), services.backups.stop(), ...running]));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), STOP_WAIT_MS);
    });
    if ((await Promise.race([stopped, late])) === "late") {
      logger.warn("background work still running at shutdown; it resumes after the next start", {
        waited_ms: STOP_WAIT_MS,
      });
    }
    clearTimeout(timer);
  };
}
