import { t } from "elysia";

export const BlobParams = t.Object({
  key: t.String({ description: "Internal object key (from a signed URL)" }),
});

export const UploadResponse = t.Object({
  etag: t.String({ description: "Entity tag of the stored bytes (or of the part), without quotes" }),
  size: t.Integer({ description: "Bytes stored" }),
});
