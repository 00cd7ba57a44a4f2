import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
// Embedded into the compiled binary, so /swagger works with no internet access.
// @ts-expect-error: a plain JS bundle with no types; `with { type: "file" }` makes Bun hand us its path.
import scalarBundle from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "file" };
import { contractDocument, type ExtraPaths, type NamedSchemas } from "./openapi/contract";
import type { Json } from "./openapi/schema";

const ASSET_PATH = "/swagger/assets/api-reference.js";
export const DOCUMENT_PATH = "/swagger/json";

/**
 * `/swagger` (the Scalar UI, served from the binary) and `/swagger/json`, the OpenAPI 3.1
 * contract: what the swagger plugin generates from the routes' `t` models, made honest by
 * `contractDocument`, plus `extraPaths` for the operations the plugin cannot see and `named`
 * for the models clients should know by name.
 */
export function docs(version: string, extraPaths: ExtraPaths, named: NamedSchemas = {}) {
  let contract: Json | undefined;
  return (
    new Elysia({ name: "docs" })
      // Routes never change after start, so the contract is built once, on the first request.
      .onAfterHandle(({ path, response }) => {
        if (path !== DOCUMENT_PATH) return;
        contract ??= contractDocument(response as { [key: string]: Json }, extraPaths, named);
        return contract;
      })
      .get(
        ASSET_PATH,
        () =>
          new Response(Bun.file(scalarBundle), {
            headers: {
              "content-type": "text/javascript; charset=utf-8",
              "cache-control": "public, max-age=86400",
            },
          }),
        { detail: { hide: true } },
      )
      .use(
        swagger({
          path: "/swagger",
          provider: "scalar",
          scalarCDN: ASSET_PATH,
          // The page must never reach beyond this server: no web fonts, no telemetry, no
          // "Ask AI" agent (it fetches api.scalar.com through proxy.scalar.com on load),
          // no developer toolbar, and "Test request" goes straight to lightd, not via Scalar's proxy.
          scalarConfig: {
            spec: { url: DOCUMENT_PATH },
            withDefaultFonts: false,
            hideClientButton: true,
            telemetry: false,
            agent: { disabled: true },
            showDeveloperTools: "never",
            proxyUrl: "",
            // @elysiajs/swagger types an older Scalar config; these keys are read by the bundled 1.76.
          } as Record<string, unknown>,
          exclude: [ASSET_PATH],
          documentation: {
            info: {
              title: "lightd",
              version,
              // OpenAPI 3.1's SPDX `identifier`; the plugin's types know only 3.0.
              license: { name: "MIT", identifier: "MIT" } as { name: string },
              description:
                'Self-hosted versioned file storage. Authenticate with `Authorization: Bearer <token>` (or `ApiKey <token>`, `?token=`, or the browser session cookie). Errors are JSON `{"error", "message"}` with a code from one catalogue (`{"error", "error_description"}` on OAuth\'s protocol endpoints).',
            },
            tags: [
              { name: "System", description: "Health and server information" },
              { name: "Files", description: "The account's file tree: list, read, upload, move, delete, log" },
              { name: "Uploads", description: "Two-step and multipart uploads through signed URLs" },
              { name: "Sharing", description: "Public, expiring share links" },
              { name: "Blobs", description: "The signed URLs lightd hands out for downloads and uploads" },
              {
                name: "Tokens",
                description: "Programmatic tokens minted with the master token",
              },
              { name: "Auth", description: "Accounts and sign-in: Ed25519 challenge, magic link, sessions" },
              { name: "Keys", description: "API keys: scoped, path-limited, live or test, rotatable" },
              { name: "Admin", description: "Account administration (master token)" },
              {
                name: "OAuth",
                description:
                  'OAuth 2.0 for third-party apps (RFC 6749 + RFC 9700): authorization code with PKCE S256, rotating refresh tokens, app registration (RFC 7591), revocation (RFC 7009), introspection (RFC 7662). Its protocol endpoints (metadata, token, revocation, introspection, and registration under `/oauth/clients`) answer every error, whoever refuses, as RFC 6749/7591 JSON `{"error", "error_description"}`; the authorization page, consent details and authorized apps answer lightd\'s `{"error", "message"}`.',
              },
            ],
          },
        }),
      )
  );
}
