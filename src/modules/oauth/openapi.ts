import { OAuthErrorBody, ServerMetadata } from "./model";

/**
 * `GET /.well-known/oauth-authorization-server` in the contract. The swagger plugin leaves out
 * paths that start with a dot segment, so it is written here from the route's own `t` models.
 * (The authorization endpoint itself is a browser page and a redirect, named by the metadata.)
 */
export const oauthPathOperations = {
  "/.well-known/oauth-authorization-server": {
    get: {
      operationId: "getOauthAuthorizationServerMetadata",
      tags: ["OAuth"],
      summary: "OAuth authorization server metadata",
      description:
        'RFC 8414 metadata: issuer (`server.public_url`), endpoints, scopes, `code_challenge_methods_supported: ["S256"]` and `authorization_response_iss_parameter_supported: true`. 503 names the missing setting when `server.public_url` is not set.',
      security: [],
      responses: {
        "200": { description: "The metadata", content: { "application/json": { schema: ServerMetadata } } },
        "503": {
          description: "`server.public_url` is not set",
          content: { "application/json": { schema: OAuthErrorBody } },
        },
      },
    },
  },
};
