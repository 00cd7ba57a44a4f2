import type { Config } from "../../config";
import { sha256Hex } from "../../lib/secrets";
import { dashboardBundle } from "../../web/bundle" with { type: "macro" };

/** The dashboard's script and style sheet, bundled at build time and inlined into the executable. */
const BUNDLE = dashboardBundle();

export interface Asset {
  type: string;
  plain: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
}

function asset(type: string, text: string): Asset {
  const plain = new TextEncoder().encode(text);
  return { type, plain, gzip: Bun.gzipSync(plain, { level: 9 }) };
}

// Names carry a digest of the content, so browsers may cache them for a year.
export const ASSETS = new Map<string, Asset>([
  [`app.${sha256Hex(BUNDLE.js).slice(0, 12)}.js`, asset("text/javascript; charset=utf-8", BUNDLE.js)],
  [`app.${sha256Hex(BUNDLE.css).slice(0, 12)}.css`, asset("text/css; charset=utf-8", BUNDLE.css)],
]);
const [SCRIPT, STYLE] = [...ASSETS.keys()];

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lightd</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${STYLE}">
<script type="module" src="/ui/assets/${SCRIPT}"></script>
</head>
<body>
<div id="app"></div>
<noscript><p>The lightd dashboard needs JavaScript. The API reference is at <a href="/swagger">/swagger</a>.</p></noscript>
</body>
</html>
`;

/**
 * Security rule for the dashboard page: scripts and styles come only from this server (no
 * inline script, no eval, no wildcard), the page cannot be framed, forms post only here.
 * Uploads, downloads and previews may also reach the S3 endpoint that presigned URLs name.
 */
export function contentSecurityPolicy(config: Config, formTargets: readonly string[] = []): string {
  const s3 = config.storage.backend === "s3" ? config.storage.s3 : undefined;
  const bucket = s3 ? new URL(s3.public_endpoint ?? s3.endpoint).origin : "";
  const extra = bucket ? ` ${bucket}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${extra}`,
    `connect-src 'self'${extra}`,
    `media-src 'self' blob:${extra}`,
    "frame-src 'self' blob:",
    "base-uri 'none'",
    // The OAuth consent form answers with a 303 to the app's redirect URI, which form-action must allow.
    ["form-action 'self'", ...formTargets].join(" "),
    "frame-ancestors 'none'",
  ].join("; ");
}

export const SECURITY_HEADERS = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * The dashboard's page. Other front doors show dashboard pages too (the OAuth consent page at
 * /oauth/authorize); `formTargets` are the extra places its forms may lead to.
 */
export function dashboardPage(config: Config, formTargets: readonly string[] = []): Response {
  return new Response(PAGE, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": contentSecurityPolicy(config, formTargets),
      ...SECURITY_HEADERS,
    },
  });
}
