import { Elysia } from "elysia";
import { AppError } from "../errors";

export const VERSIONED_MEDIA_TYPE = "application/vnd.pkglatv1+json";
const VENDOR_FAMILY = "application/vnd.pkglat";

function mediaRanges(accept: string): string[] {
  return accept
    .split(",")
    .map((part) => (part.split(";")[0] ?? "").trim().toLowerCase())
    .filter(Boolean);
}

/** True when the Accept header names lightd's versioned media type (any letter case). */
export function acceptsVersioned(accept: string | null): boolean {
  return accept !== null && mediaRanges(accept).includes(VERSIONED_MEDIA_TYPE);
}

/**
 * The Accept rule: v1 of the vendor type, JSON, wildcards and no header are accepted;
 * a request that asks only for another `application/vnd.pkglat…` version gets 406.
 */
export function checkAccept(accept: string | null): void {
  // Runs on every request: the common headers (none, `*/*`, JSON, exactly v1) skip the parse.
  if (accept === null || accept === VERSIONED_MEDIA_TYPE || !/vnd\.pkglat/i.test(accept)) return;
  const ranges = mediaRanges(accept);
  if (!ranges.some((r) => r.startsWith(VENDOR_FAMILY))) return;
  if (ranges.some((r) => r === VERSIONED_MEDIA_TYPE || !r.startsWith(VENDOR_FAMILY))) return;
  throw new AppError("not_acceptable", `Unsupported media type; use ${VERSIONED_MEDIA_TYPE}`);
}

// The q-value an Accept header gives a media type: exact range, else `type/*`, else `*/*`; 0 when none applies.
function qualityOf(accept: string, type: string): number {
  const [major] = type.split("/");
  let best = -1;
  let q = 0;
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity <= best) continue;
    best = specificity;
    const qParam = params.find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q = Number.isFinite(value) ? value : 0;
  }
  return q;
}

/** True when the client asked for JSON (plain or lightd's versioned media type) rather than the bytes. */
export function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept")?.toLowerCase() ?? "";
  return accept.includes("application/json") || accept.includes(VERSIONED_MEDIA_TYPE);
}

/** True when the client prefers an HTML page to JSON (a browser navigating), strictly. */
export function prefersHtml(accept: string | null): boolean {
  if (!accept) return false;
  return qualityOf(accept, "text/html") > qualityOf(accept, "application/json");
}

export function acceptRule() {
  return new Elysia({ name: "accept-rule" }).onRequest(({ request }) => {
    checkAccept(request.headers.get("accept"));
  });
}
