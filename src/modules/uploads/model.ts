import { t } from "elysia";

const Path = t.String({ description: "File path, e.g. docs/report.pdf" });
const ContentType = t.Optional(
  t.String({ maxLength: 255, description: "MIME type; guessed from the name when absent" }),
);
const Message = t.Optional(t.String({ maxLength: 1000, description: "Commit message" }));

export const CreateUploadBody = t.Object({ path: Path, content_type: ContentType });
export const CreateUploadResponse = t.Object({
  url: t.String({ description: "Signed URL to PUT the bytes to" }),
  content_type: t.String(),
  expires_in: t.Integer({ description: "Seconds" }),
  upload_id: t.String(),
});

export const CompleteUploadBody = t.Object({ path: Path, message: Message });

export const CreateMultipartBody = t.Object({
  path: Path,
  content_type: ContentType,
  part_count: t.Optional(t.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
});
export const CreateMultipartResponse = t.Object({
  upload_id: t.String(),
  key: t.String({ description: "Internal object key" }),
  content_type: t.String(),
  part_urls: t.Array(t.String(), { description: "Signed PUT URL per part, in part order" }),
  expires_in: t.Integer(),
});

export const CompleteMultipartBody = t.Object({
  path: Path,
  upload_id: t.String({ minLength: 1, maxLength: 1024 }),
  parts: t.Array(
    t.Object({
      part_number: t.Integer({ minimum: 1, maximum: 10_000 }),
      etag: t.String({ minLength: 1, maxLength: 256 }),
    }),
    { minItems: 1, maxItems: 10_000 },
  ),
  message: Message,
});

export const AbortMultipartBody = t.Object({ path: Path, upload_id: t.String({ minLength: 1, maxLength: 1024 }) });
export const AbortMultipartResponse = t.Object({ aborted: t.Boolean() });
