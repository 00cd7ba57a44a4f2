import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
// Embedded into the compiled binary, so /swagger works with no internet access.
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
        // No web fonts: the page must not reach out to any CDN.
        scalarConfig: { withDefaultFonts: false, hideClientButton: true },
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
