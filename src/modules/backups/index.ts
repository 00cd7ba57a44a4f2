import { Elysia } from "elysia";
import { AppError } from "../../domain/errors";
import { keepOpen } from "../../http/edge";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import { BackupListResponse, BackupView } from "./model";
import type { BackupService } from "./service";

export function backupsModule(guard: AppGuard, backups: BackupService) {
  return new Elysia({ tags: ["Admin"] })
    .use(guard)
    .post(
      "/admin/backups",
      async ({ request, set }) => {
        // A backup of a large server takes longer than the idle timeout: the answer comes when it is done.
        keepOpen(request);
        try {
          const backup = await backups.run({ keep: backups.keep() });
          set.status = 201;
          return backup;
        } catch (error) {
          if (error instanceof AppError) throw error;
          // The reason (a full disk, an unreachable bucket) is logged and kept with the run.
          throw new AppError("internal", "The backup failed; GET /admin/backups shows why");
        }
      },
      {
        auth: "admin",
        response: { 201: BackupView, ...errorResponses(401, 403, 409, 429, 503) },
        detail: {
          summary: "Run a backup now",
          description:
            "Writes one consistent archive (database snapshot, every stored object, config.json, manifest) to `backups.to` while the server keeps serving, encrypted when `backups.passphrase_file` is set, then keeps the newest `backups.keep` archives there. Answers when the archive is complete. 409 when `backups.to` is not set, the metadata engine is Postgres (back it up with Postgres's own tools) or a backup is already running; 503 when the server is shutting down (a backup under way then stops, recorded as failed). Master token only.",
        },
      },
    )
    .get("/admin/backups", async () => ({ backups: await backups.list() }), {
      auth: "admin",
      response: { 200: BackupListResponse, ...errorResponses(401, 403, 429) },
      detail: {
        summary: "List backups",
        description:
          "The latest 100 backup runs (scheduled, on demand or from `lightd backup`), newest first, with failures and their reason. Master token only.",
      },
    });
}
