import { t } from "elysia";

const AuthMethod = t.Union([t.Literal("none"), t.Literal("client_secret_basic"), t.Literal("client_secret_post")], {
  description:
    "`none` for public apps (PKCE only); `client_secret_basic` or `client_secret_post` for apps that keep a secret",
});

/** RFC 7591 §2 client metadata (the fields lightd uses; others are ignored). */
export const RegisterClientBody = t.Object({
  client_name: t.String({ maxLength: 100, description: "Shown to people on the consent page" }),
  redirect_uris: t.Array(t.String({ maxLength: 2000 }), {
    maxItems: 10,
    description:
      "Exact redirect URIs: https, http on 127.0.0.1 or [::1] (any port at run time, RFC 8252), or a private-use scheme such as com.example.app:/callback",
  }),
  token_endpoint_auth_method: t.Optional(AuthMethod),
});

/** RFC 7591 §3.2.1 client information. */
export const ClientInformation = t.Object({
  client_id: t.String(),
  client_secret: t.Optional(t.String({ description: "Only in the answer that created or rotated it: store it now" })),
  client_secret_expires_at: t.Optional(t.Integer({ description: "0: the secret does not expire" })),
  client_id_issued_at: t.Integer({ description: "Unix seconds" }),
  client_name: t.String(),
  redirect_uris: t.Array(t.String()),
  token_endpoint_auth_method: AuthMethod,
  grant_types: t.Array(t.String()),
  response_types: t.Array(t.String()),
});

export const ClientList = t.Object({ clients: t.Array(ClientInformation) });
export const IdParams = t.Object({ id: t.String({ maxLength: 64 }) });
export const Deleted = t.Object({ deleted: t.Boolean() });

export const AuthorizedApp = t.Object({
  id: t.String(),
  client_id: t.String(),
  client_name: t.String(),
  scopes: t.Array(t.String()),
  prefix: t.String(),
  created_at: t.Integer({ description: "Unix ms" }),
  last_used_at: t.Union([t.Integer(), t.Null()], { description: "Unix ms of the last use, or null" }),
});
export const AuthorizedAppList = t.Object({ authorizations: t.Array(AuthorizedApp) });

export const ConsentDetails = t.Object({
  client_id: t.String(),
  client_name: t.String(),
  redirect_uri: t.String(),
  redirect_host: t.String({ description: "Where the answer goes, as the consent page names it" }),
  actor: t.String({ description: "The signed-in account that would grant access" }),
  prefix: t.String({ description: "Paths the app would be held to ('' = all)" }),
  scopes: t.Array(
    t.Object({
      scope: t.String(),
      description: t.String(),
      granted: t.Boolean({ description: "false: the signed-in credential lacks this scope and cannot grant it" }),
    }),
  ),
});

/** RFC 6749 §5.2 error body. */
export const OAuthErrorBody = t.Object(
  { error: t.String(), error_description: t.String() },
  { description: "RFC 6749 error" },
);

export const TokenAnswer = t.Object({
  access_token: t.String({ description: "A lightd credential valid for 1 hour" }),
  token_type: t.Literal("Bearer"),
  expires_in: t.Integer(),
  refresh_token: t.String({ description: "Single use: each refresh returns a new one" }),
  scope: t.String(),
});

export const ServerMetadata = t.Object(
  {
    issuer: t.String(),
    authorization_endpoint: t.String(),
    token_endpoint: t.String(),
    revocation_endpoint: t.String(),
    introspection_endpoint: t.String(),
    registration_endpoint: t.String(),
    scopes_supported: t.Array(t.String()),
    response_types_supported: t.Array(t.String()),
    grant_types_supported: t.Array(t.String()),
    token_endpoint_auth_methods_supported: t.Array(t.String()),
    code_challenge_methods_supported: t.Array(t.String()),
    authorization_response_iss_parameter_supported: t.Boolean(),
  },
  { description: "RFC 8414 authorization server metadata", additionalProperties: true },
);

export const IntrospectionAnswer = t.Object(
  {
    active: t.Boolean(),
    scope: t.Optional(t.String()),
    client_id: t.Optional(t.String()),
    username: t.Optional(t.String()),
    sub: t.Optional(t.String()),
    token_type: t.Optional(t.String()),
    exp: t.Optional(t.Integer()),
    iat: t.Optional(t.Integer()),
    iss: t.Optional(t.String()),
  },
  { description: "RFC 7662 introspection answer" },
);

export const RevokeAnswer = t.Object({}, { description: "Empty: the token is revoked, or was never live" });
