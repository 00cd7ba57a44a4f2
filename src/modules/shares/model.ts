import { t } from "elysia";

export const ShareBody = t.Object({
  path: t.String({ description: "File path, or folder path ending with / (the link then opens everything under it)" }),
  ttl: t.Optional(
    t.Integer({ minimum: 1, maximum: 604_800, default: 3600, description: "Seconds (default 3600, max 604800)" }),
  ),
  max_downloads: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: "The link dies after this many downloads (each file of a folder share counts; listings do not)",
    }),
  ),
});

export const ShareResponse = t.Object({
  id: t.String({ description: "Id to list or revoke the link with" }),
  url: t.String({ description: "Public link; anyone holding it can download until it expires" }),
  token: t.String(),
  expires_at: t.Integer({ description: "Unix ms" }),
  ttl: t.Integer({
    description:
      "Seconds the link lives: the ttl asked for, or less when the API key or token making it expires sooner. A link made by a key or token also dies when that key or token is revoked.",
  }),
  max_downloads: t.Nullable(t.Integer()),
});

export const ShareInfo = t.Object({
  id: t.String(),
  path: t.String({ description: "Current path of the shared file or folder (links follow moves)" }),
  type: t.Union([t.Literal("file"), t.Literal("folder")]),
  url: t.Nullable(
    t.String({ description: "The link; null only for a link made before the server's signing secret changed" }),
  ),
  expires_at: t.Integer({ description: "Unix ms" }),
  created_at: t.Integer({ description: "Unix ms" }),
  downloads: t.Integer(),
  max_downloads: t.Nullable(t.Integer()),
});

export const ShareListResponse = t.Object({ shares: t.Array(ShareInfo) }, { description: "The caller's live links" });

export const ShareIdParams = t.Object({ id: t.String({ maxLength: 64, description: "Share link id" }) });
export const RevokeResponse = t.Object({ id: t.String(), revoked: t.Boolean() }, { description: "Revoked" });

/** One entry of a shared folder's listing. */
export const SharedEntry = t.Object({
  name: t.String(),
  path: t.String({ description: "Relative to the shared folder" }),
  type: t.Union([t.Literal("file"), t.Literal("folder")]),
  size: t.Integer(),
  content_type: t.Nullable(t.String()),
  updated_at: t.Integer({ description: "Unix ms" }),
  url: t.String({ description: "Opens the file (302) or lists the subfolder" }),
});

export const SharedListing = t.Object(
  {
    name: t.String({ description: "The shared folder's name (or the subfolder's path)" }),
    path: t.String({ description: "Listed folder, relative to the shared folder ('' for itself)" }),
    entries: t.Array(SharedEntry),
    truncated: t.Boolean(),
  },
  {
    description:
      "A shared folder's listing; a minimal HTML page instead when the Accept header prefers text/html (strict CSP, no script)",
  },
);
