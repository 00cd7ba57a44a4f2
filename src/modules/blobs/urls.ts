import type { UrlSigner } from "../../lib/url-signer";
import type { LightdUrlBuilder } from "../../storage/blob/blob-store";

/** Where signed object URLs point; this module serves it. */
export const BLOB_ROUTE = "/blobs/:key";

/**
 * Builds the signed URLs the byte stores hand out for lightd itself (the composition root
 * passes it to the store). The signature is what this module's routes verify.
 */
export function blobUrlBuilder(signer: UrlSigner): LightdUrlBuilder {
  return (key, grant) => {
    const query = signer.signedQuery({ method: grant.method, key, expiresIn: grant.expiresIn, bound: grant.bound });
    return `${grant.baseUrl.replace(/\/+$/, "")}/blobs/${key}?${query}`;
  };
}
