import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
// Embedded into the compiled binary, so /swagger works with no internet access.
// @ts-expect-error: a plain JS bundle with no types; `with { type: "file" }` makes Bun hand us its path.
import scalarBundle from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "file" };

const ASSET_PATH = "/swagger/assets/api-reference.js";

export function docs(version: string) {
  return new Elysia({ name: "docs" })
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
          spec: { url: "/swagger/json" },
          withDefaultFonts: false,
          hideClientButton: true,
          telemetry: false,
          agent: { disabled: true },
          showDeveloperTools: "never",
          proxyUrl: "",
          // @elysiajs/swagger types an older Scalar config; these keys are read by the bundled 1.46.
        } as Record<string, unknown>,
        exclude: [ASSET_PATH],
        documentation: {
          info: {
            title: "lightd",
            version,
            description:
              "Self-hosted versioned file storage. Authenticate with `Authorization: Bearer <token>` (or `ApiKey <token>`, or `?token=`).",
          },
          tags: [
            { name: "System", description: "Health and server information" },
            {
              name: "Tokens",
              description: "Programmatic tokens minted with the master token",
            },
            { name: "Auth", description: "Accounts and sign-in: Ed25519 challenge, magic link, sessions" },
            { name: "Keys", description: "API keys: scoped, path-limited, live or test, rotatable" },
            { name: "Admin", description: "Account administration (master token)" },
          ],
          components: {
            securitySchemes: {
              bearer: {
                type: "http",
                scheme: "bearer",
                description: "A lightd_… token or key",
              },
            },
          },
          security: [{ bearer: [] }],
        },
      }),
    );
}
