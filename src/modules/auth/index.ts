import { Elysia, t } from "elysia";
import { type Config, configuredOrigin } from "../../config";
import { extractToken, SESSION_COOKIE } from "../../http/auth";
import { clientIpOf } from "../../http/edge";
import { overTls } from "../../http/links";
import { ipRateLimit, type RateLimits } from "../../http/rate-limit";
import { errorResponses } from "../../http/schemas";
import type { Logger } from "../../lib/logger";
import type { ChallengeService } from "./challenges";
import { MAGIC_LINK_MESSAGE, type MagicLinkService, requireEmail } from "./magic-link";
import { confirmPage } from "./magic-link-page";
import {
  ChallengeBody,
  ChallengeResponse,
  LogoutResponse,
  MagicLinkBody,
  MagicLinkResponse,
  MagicLinkVerifyQuery,
  OpenSessionBody,
  OpenSessionResponse,
  RegisterBody,
  RegisterResponse,
  SessionResponse,
  VerifyBody,
} from "./model";
import type { AccountService } from "./service";
import type { SessionService } from "./sessions";
import { checkTurnstile } from "./turnstile";
import type { CredentialVerifier } from "./verifier";

export interface AuthModuleDeps {
  accounts: AccountService;
  challenges: ChallengeService;
  sessions: SessionService;
  verifier: CredentialVerifier;
  magicLinks: MagicLinkService;
  limits: RateLimits;
  config: () => Config;
  logger: Logger;
  now: () => number;
}

/** `Set-Cookie` for a browser session: HttpOnly, SameSite=Strict (never sent on cross-site requests), Secure when lightd is served over https. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** Whether lightd is served over https for this request: its public URL says so, or the request came over TLS. */
function servedOverHttps(request: Request, server: Config["server"]): boolean {
  return (server.public_url?.startsWith("https://") ?? false) || overTls(request, server);
}

export function authModule(deps: AuthModuleDeps) {
  /** Checks a presented credential under the failed-authentication limit: a 401 is charged to the client address. */
  const limited = async <T>(request: Request, check: () => T | Promise<T>): Promise<T> => {
    await deps.limits.beforeVerify(request);
    try {
      return await check();
    } catch (error) {
      if ((error as { status?: number }).status === 401) await deps.limits.failed(request);
      throw error;
    }
  };
  return new Elysia({ tags: ["Auth"] })
    .use(ipRateLimit(deps.limits))
    .post(
      "/auth/register",
      async ({ body, set }) => {
        const account = await deps.accounts.selfRegister(
          body.actor,
          body.type ?? "human",
          body.public_key,
          body.invite,
        );
        set.status = 201;
        return { actor: account.name, type: account.type };
      },
      {
        rateLimit: "register",
        body: RegisterBody,
        response: { 201: RegisterResponse, ...errorResponses(400, 403, 409, 429) },
        detail: {
          summary: "Register an account",
          description:
            "Creates an account that signs in with an Ed25519 key. `public_key` is the raw 32-byte key in base64. `accounts.registration` decides who may: `open` (anyone), `invite` (`invite` must be an unused code from `POST /admin/invites`; it is spent by this account) or `closed` (403; the admin creates accounts). New accounts get the configured default quota.",
          security: [],
        },
      },
    )
    .post(
      "/auth/challenge",
      async ({ body }) => {
        const c = await deps.challenges.issue(body.actor);
        return { challenge_id: c.challengeId, nonce: c.nonce, expires_at: c.expiresAt };
      },
      {
        rateLimit: "challenge",
        body: ChallengeBody,
        response: { 200: ChallengeResponse, ...errorResponses(400, 404, 429) },
        detail: {
          summary: "Create a challenge",
          description:
            "Issues a nonce that expires in 5 minutes and works once. Sign the nonce string's UTF-8 bytes with the account's Ed25519 private key and send the signature to `/auth/verify`.",
          security: [],
        },
      },
    )
    .post(
      "/auth/verify",
      async ({ body }) => {
        const s = await deps.challenges.verify(body.challenge_id, body.actor, body.signature);
        return { token: s.token, actor: s.actor, expires_at: s.expiresAt };
      },
      {
        rateLimit: "verify",
        body: VerifyBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 404, 429) },
        detail: {
          summary: "Verify a signature",
          description:
            "Checks the detached Ed25519 signature of the challenge nonce (its UTF-8 bytes) and issues a session token (default lifetime 7 days). A challenge yields at most one session, even under concurrent calls.",
          security: [],
        },
      },
    )
    .post(
      "/auth/session",
      async ({ body, request, set }) => {
        const principal = await limited(request, () => deps.verifier.authenticate(body.token));
        const s = await deps.sessions.openFor(principal, body.token);
        const secure = servedOverHttps(request, deps.config().server);
        const maxAge = Math.max(1, Math.floor((s.expiresAt - deps.now()) / 1000));
        set.headers["set-cookie"] = sessionCookie(s.token, maxAge, secure);
        set.headers["cache-control"] = "no-store";
        return { actor: principal.actor, expires_at: s.expiresAt };
      },
      {
        rateLimit: "verify",
        body: OpenSessionBody,
        response: { 200: OpenSessionResponse, ...errorResponses(400, 401, 429) },
        detail: {
          summary: "Open a browser session",
          description:
            "Exchanges a pasted token (the master token, a programmatic token, a live API key or a session token) for a session with exactly its power, set as the HttpOnly `lightd_session` cookie; the pasted secret is never stored. A session token presented here stops working (it is exchanged). The session never outlives the credential; test keys are refused.",
          security: [],
        },
      },
    )
    .post(
      "/auth/logout",
      async ({ request, set }) => {
        await limited(request, () => deps.sessions.logout(extractToken(request)));
        set.headers["set-cookie"] = sessionCookie("", 0, false);
        return { ok: true };
      },
      {
        response: { 200: LogoutResponse, ...errorResponses(400, 401, 429) },
        detail: {
          summary: "Log out",
          description:
            "Ends the session given by `Authorization: Bearer` or the `lightd_session` cookie; the token stops working at once. An API key or the master token is no session (400: revoke the key, or change the master token with `lightd --token reset`).",
        },
      },
    )
    .post(
      "/auth/magic-link",
      async ({ body, request }) => {
        const email = requireEmail(body.email);
        const settings = deps.config();
        await checkTurnstile(
          settings.turnstile,
          body["cf-turnstile-response"],
          clientIpOf(request, settings.server.trust_proxy),
        );
        await deps.limits.checkAddress(email);
        await deps.magicLinks.send(email, configuredOrigin(settings.server));
        return { message: MAGIC_LINK_MESSAGE };
      },
      {
        rateLimit: "magic_link",
        body: MagicLinkBody,
        response: { 200: MagicLinkResponse, ...errorResponses(400, 403, 429, 500, 503) },
        detail: {
          summary: "Request a magic link",
          description:
            "E-mails a single-use sign-in link valid for 15 minutes. The answer is the same for every valid address, whether or not it has an account. With Turnstile configured, `cf-turnstile-response` is required. The link's origin is `server.public_url`, never the request's Host: with SMTP configured and `public_url` unset the answer is 503 and nothing is sent.",
          security: [],
        },
      },
    )
    .get("/auth/magic-link/verify", ({ query }) => confirmPage(query.token, "/auth/magic-link/verify"), {
      query: MagicLinkVerifyQuery,
      response: {
        200: t.String({ description: "An HTML page whose button POSTs the token", contentMediaType: "text/html" }),
        ...errorResponses(400),
      },
      detail: {
        summary: "Open a magic link",
        description:
          "Answers a small HTML confirmation page; nothing is signed in by this GET, so a link opened by someone else cannot swap the browser's session. Its button POSTs the token to the same path.",
        security: [],
      },
    })
    .post(
      "/auth/magic-link/verify",
      async ({ body, request }) => {
        const s = await deps.magicLinks.redeem(body.token);
        const secure = servedOverHttps(request, deps.config().server);
        const maxAge = Math.max(1, Math.floor((s.expiresAt - deps.now()) / 1000));
        return new Response(null, {
          status: 303,
          headers: {
            location: "/",
            "set-cookie": sessionCookie(s.token, maxAge, secure),
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
          },
        });
      },
      {
        rateLimit: { name: "verify", bodies: "json-or-form" },
        body: MagicLinkVerifyQuery,
        response: {
          303: t.Void({ description: "Redirect to `/` with the session cookie set" }),
          ...errorResponses(400, 401, 403, 429),
        },
        detail: {
          summary: "Follow a magic link",
          description:
            'Signs the person in: creates the account on first use, sets the HttpOnly `lightd_session` cookie and answers 303 to `/`. The link works once. Takes the form the confirmation page posts (or JSON `{"token"}`); from a browser it must come from lightd\'s own origin.',
          security: [],
          "x-media-types": ["application/x-www-form-urlencoded", "application/json"],
        },
      },
    );
}
