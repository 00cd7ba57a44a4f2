/** Names whose ASCII fallback and encoded form are the name itself. */
const SAFE_NAME = /^[\w.-]+$/;

/**
 * `Content-Disposition: attachment` with an ASCII fallback and the exact UTF-8 name
 * (RFC 6266 / RFC 8187 `filename*`). Pure: the HTTP download and S3's presigned GET
 * (which sets the header on the bucket's response) both spell it here.
 */
export function contentDisposition(filename: string, type: "attachment" | "inline" = "attachment"): string {
  // Most names are letters, digits, "_", "." and "-": both spellings are the name itself.
  if (SAFE_NAME.test(filename)) return `${type}; filename="${filename}"; filename*=UTF-8''${filename}`;
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "download";
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
