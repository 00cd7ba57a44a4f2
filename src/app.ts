import { Elysia } from "elysia";
import pkg from "../package.json";
import { acceptRule } from "./http/accept";
import { authGuard, createAuthorizer, requestAuthenticator } from "./http/auth";
import { docs } from "./http/docs";
import { errorRenderer } from "./http/errors";
import { type FastPath, fastPath } from "./http/fast-path";
import type { AppGuard } from "./http/guard-type";
import { RateLimits } from "./http/rate-limit";
import { sameOriginRule } from "./http/same-origin";
import { adminModule } from "./modules/admin";
import { authModule } from "./modules/auth";
import { backupsModule } from "./modules/backups";
import { blobFastGet, blobsModule } from "./modules/blobs";
import { blobPathOperations } from "./modules/blobs/openapi";
import { dashboardModule } from "./modules/dashboard";
import { davModule } from "./modules/dav";
import { feedModule } from "./modules/feed";
import { fileFastGet, fileFastPut, filesModule } from "./modules/files";
import { filePathOperations, fileSchemas } from "./modules/files/openapi";
import { versionsModule } from "./modules/files/versions-routes";
import { hooksModule } from "./modules/hooks";
import { keysModule } from "./modules/keys";
import { oauthModule } from "./modules/oauth";
import { oauthPathOperations } from "./modules/oauth/openapi";
import { sharesModule } from "./modules/shares";
import { sharePathOperations } from "./modules/shares/openapi";
import { systemModule } from "./modules/system";
import { credentialFastGet, tokensModule } from "./modules/tokens";
import { uploadsModule } from "./modules/uploads";
import type { Services } from "./services";

export const VERSION: string = pkg.version;

/**
 * Builds the HTTP application from its dependencies. Never listens, never reads the environment.
 * `fastPath` answers the hottest routes with the same rules, guard and handlers, without the
 * framework's dispatch (src/http/fast-path.ts); the request edge puts it in front of `handle`.
 */
export function createApp(ctx: Services) {
  const config = () => ctx.config.current;
  const authSettings = () => ctx.config.current.authorization;
  // Rate limits are the REST edge's: per client address and per credential, read from config on each call.
  const limits = new RateLimits(config, ctx.now, ctx.coordination);
  const authenticate = requestAuthenticator(ctx.verifier, authSettings, limits);
  const guard = authGuard(authenticate);
  const app = routes(ctx, guard, limits);
  const fast: FastPath = fastPath(
    [
      fileFastGet(ctx.files, config, ctx.storage),
      fileFastPut(ctx.files, config),
      blobFastGet(ctx.blobGateway, ctx.storage),
      credentialFastGet,
    ],
    { authenticate, server: () => ctx.config.current.server, appRoutes: app.routes, logger: ctx.logger },
  );
  return Object.assign(app, { fastPath: fast });
}

function routes(ctx: Services, guard: AppGuard, limits: RateLimits) {
  const config = () => ctx.config.current;
  const authSettings = () => ctx.config.current.authorization;
  // Elysia's default router skips the first 11 characters of the URL, assuming a host of at
  // least 4 ("http://a.bc"); a short Host such as "nas" would then route every request to 404.
  // Without it the router skips 7, which lands inside "https://": over HTTPS it skips 11, and
  // withUsableUrl rebuilds a request whose Host is shorter than 3 characters.
  // encodeSchema: off, each answer is checked against its response schema by the compiled
  // validator instead of being run through TypeBox's dynamic Encode, which walked every
  // entry of a listing. Encode only changes values for t.Date and the *String transforms,
  // which no response schema uses (t.Integer, t.Numeric and t.Boolean encode as they are).
  const https = ctx.config.current.server.tls !== undefined;
  return new Elysia({ handler: { standardHostname: https }, encodeSchema: false })
    .use(errorRenderer(ctx.logger))
    .use(acceptRule())
    .use(sameOriginRule(() => ctx.config.current.server))
    .use(
      docs(
        VERSION,
        { ...filePathOperations, ...blobPathOperations, ...sharePathOperations, ...oauthPathOperations },
        fileSchemas,
      ),
    )
    .use(dashboardModule(config))
    .use(systemModule(VERSION))
    .use(blobsModule(ctx.blobGateway, ctx.storage, () => ctx.config.current.server.max_upload_bytes))
    .use(uploadsModule(guard, ctx.uploads, config))
    .use(sharesModule(guard, ctx.shares, config))
    .use(versionsModule(guard, ctx.versions))
    .use(filesModule(guard, ctx.files, config, ctx.versions, ctx.storage))
    .use(davModule(createAuthorizer(ctx.verifier, authSettings, limits), ctx.dav, config))
    .use(tokensModule(guard, ctx.tokens))
    .use(
      authModule({
        accounts: ctx.accounts,
        challenges: ctx.challenges,
        sessions: ctx.sessions,
        verifier: ctx.verifier,
        magicLinks: ctx.magicLinks,
        limits,
        config,
        logger: ctx.logger,
        now: ctx.now,
      }),
    )
    .use(keysModule(guard, ctx.keys))
    .use(adminModule(guard, ctx.admin, ctx.invites))
    .use(backupsModule(guard, ctx.backups))
    .use(hooksModule(guard, ctx.hooks))
    .use(
      oauthModule({
        guard,
        authorizer: createAuthorizer(ctx.verifier, authSettings, limits),
        oauth: ctx.oauth,
        limits,
        config,
      }),
    )
    .use(
      feedModule(
        guard,
        ctx.feed,
        (token) => ctx.verifier.validityCheck(token),
        () => config().feed.max_buffer_bytes,
        () => config().server,
      ),
    );
}
