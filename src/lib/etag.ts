/** ETags are kept unquoted; HTTP headers carry them quoted. */
export function quoteEtag(etag: string): string {
  return `"${unquoteEtag(etag)}"`;
}

/** Strips a weak `W/` marker and surrounding quotes: what a client or S3 sends back becomes the stored form. */
export function unquoteEtag(etag: string | undefined): string {
  // Stored etags (every download quotes one) have nothing to strip.
  if (etag !== undefined && !etag.includes('"') && !etag.startsWith("W/")) return etag;
  return (etag ?? "").replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
