import { badRequest, forbidden, notFound, rateLimited } from "../../domain/errors";
import { parseKeyPrefix } from "../../domain/paths";
import {
  ownerScopes,
  type Power,
  powerOf,
  powerWithin,
  principalPower,
  requireLifetimeWithin,
  requirePowerWithin,
} from "../../domain/power";
import type { Principal, Scope } from "../../domain/principal";
import { hashSecret } from "../../lib/secrets";
import { issueToken } from "../../lib/token-format";
import { MAX_TTL_MS } from "../../lib/ttl";
import type { CredentialRow } from "../../storage/db/credentials";
import type { Metadata } from "../../storage/db/metadata";
import { issueCredential } from "../auth/issue";
import type { CredentialVerifier } from "../auth/verifier";
import type { KeyMetadata } from "./model";

export const ROTATION_INTERVAL_MS = 3_600_000;

export interface KeyRequest {
  name?: string;
  prefix?: string;
  scopes?: Scope[];
  environment?: "live" | "test";
  expiresAt?: number | string;
  expiresIn?: number;
}

export type KeyView = typeof KeyMetadata.static;
export type IssuedKey = KeyView & { token: string };

/** The longest `expires_in` a key may be given, in seconds (a year, as for every credential). */
export const MAX_KEY_LIFETIME_S = MAX_TTL_MS / 1000;

/**
 * Resolves `expires_at` (Unix ms or ISO 8601) / `expires_in` (seconds) to Unix ms; null for
 * neither. An expiry is at most a year ahead (`MAX_TTL_MS`): no key leaves a date nobody can
 * read behind, and one meant to last for ever says so by having no expiry.
 */
export function resolveExpiry(now: number, expiresAt?: number | string, expiresIn?: number): number | null {
  if (expiresAt !== undefined && expiresIn !== undefined) throw badRequest("Give expires_at or expires_in, not both");
  if (expiresIn !== undefined) {
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_KEY_LIFETIME_S) {
      throw badRequest(`Invalid expires_in: use whole seconds from 1 to ${MAX_KEY_LIFETIME_S} (365 days)`);
    }
    return now + expiresIn * 1000;
  }
  if (expiresAt === undefined) return null;
  const ms = typeof expiresAt === "number" ? expiresAt : Date.parse(expiresAt);
  if (!Number.isFinite(ms) || (typeof expiresAt === "string" && !/^\d{4}-\d{2}-\d{2}T/.test(expiresAt))) {
    throw badRequest("Invalid expires_at: use Unix milliseconds or an ISO 8601 date-time");
  }
  if (ms <= now) throw badRequest("Invalid expires_at: must be in the future");
  if (ms > now + MAX_TTL_MS) throw badRequest("Invalid expires_at: at most 365 days from now");
  return ms;
}

/**
 * API keys (`lightd_live_…` / `lightd_test_…`). Security rules: a key's power is the
 * owner's permissions ∩ its scopes ∩ its prefix; a credential can only create, see,
 * rotate or revoke keys whose power lies within its own (others are 404); a key cannot
 * outlive the credential that makes it (`requireLifetimeWithin`); only an argon2id hash of the
 * secret is stored.
 */
export class ApiKeyService {
  constructor(
    private readonly metadata: Metadata,
    private readonly verifier: CredentialVerifier,
    private readonly now: () => number = Date.now,
  ) {}

  async create(principal: Principal, request: KeyRequest): Promise<IssuedKey> {
    const now = this.now();
    const caller = principalPower(principal);
    const owner = ownerScopes(principal.accountId);
    const scopes = request.scopes ?? [...caller.scopes];
    const requested: Power = {
      scopes: new Set(owner.filter((s) => scopes.includes(s))),
      prefix: request.prefix === undefined ? caller.prefix : parseKeyPrefix(request.prefix),
      space: request.environment ?? caller.space,
    };
    const unknown = scopes.filter((s) => !owner.includes(s));
    if (unknown.length > 0) throw forbidden(`This account cannot hold scope '${unknown[0]}'`);
    requirePowerWithin(requested, caller);

    const expiresAt = requireLifetimeWithin(principal, resolveExpiry(now, request.expiresAt, request.expiresIn));
    // Security rule "nothing a credential makes outlives it": the key lives as long as the key,
    // token or app authorization that makes it; revoking that deletes this key (cascade).
    const maker = await this.verifier.creatorOf(principal);

    // NULL scopes = "all of the owner's", so a full-power key follows its owner's permissions.
    const storedScopes = owner.every((s) => requested.scopes.has(s)) ? null : [...requested.scopes].join(" ");
    const issued = await issueCredential(this.metadata, {
      kind: requested.space,
      account_id: principal.accountId,
      name: request.name ?? "",
      scopes: storedScopes,
      prefix: requested.prefix,
      made_by: maker.credential_id,
      made_by_grant: maker.grant_id,
      created_at: now,
      expires_at: expiresAt,
    });
    const row = (await this.metadata.read.credentials.findById(issued.id)) as CredentialRow;
    return { ...this.#view(row), token: issued.text };
  }

  /** Keys the caller may see: the account's keys within the caller's power. Usage counters are flushed first. */
  async list(principal: Principal): Promise<KeyView[]> {
    await this.verifier.flushUsage();
    const caller = principalPower(principal);
    return (await this.metadata.read.apiKeys.listForAccount(principal.accountId))
      .filter((row) => powerWithin(powerOf(row), caller))
      .map((row) => this.#view(row));
  }

  /** Revokes a key: the row is deleted, so the key's very next request is 401. */
  async revoke(principal: Principal, id: string): Promise<void> {
    await this.#visible(principal, id);
    const deleted = await this.metadata.write((tx) => tx.apiKeys.deleteForAccount(id, principal.accountId));
    if (!deleted) throw notFound("API key");
  }

  /**
   * New secret, same id: the old secret stops working at once (the verifier's cache is
   * keyed to the stored hash). Refused for keys without expiry and more than once an hour.
   */
  async rotate(principal: Principal, id: string, expiresAt?: number | string, expiresIn?: number): Promise<IssuedKey> {
    const now = this.now();
    const row = await this.#visible(principal, id);
    if (row.expires_at === null) throw badRequest("Keys without an expiry cannot be rotated");
    const requested = resolveExpiry(now, expiresAt, expiresIn);
    if (requested === null) throw badRequest("Rotation needs a new expires_at");
    const nextExpiry = requireLifetimeWithin(principal, requested) ?? requested;
    const tooSoon = () => {
      const retry = Math.max(1, Math.ceil(((row.rotated_at ?? now) + ROTATION_INTERVAL_MS - now) / 1000));
      return rateLimited("A key can be rotated at most once an hour", {
        "retry-after": String(retry),
      });
    };
    if (row.rotated_at !== null && row.rotated_at > now - ROTATION_INTERVAL_MS) throw tooSoon();
    const issued = issueToken(row.kind, row.id);
    const hash = await hashSecret(issued.secret);
    const rotated = await this.metadata.write((tx) =>
      tx.apiKeys.rotate(id, principal.accountId, hash, nextExpiry, now, now - ROTATION_INTERVAL_MS),
    );
    if (!rotated) {
      if (!(await this.metadata.read.apiKeys.findForAccount(id, principal.accountId))) {
        throw notFound("API key");
      }
      throw tooSoon();
    }
    return { ...this.#view(rotated), token: issued.text };
  }

  async #visible(principal: Principal, id: string): Promise<CredentialRow> {
    const row = await this.metadata.read.apiKeys.findForAccount(id, principal.accountId);
    if (!row || !powerWithin(powerOf(row), principalPower(principal))) throw notFound("API key");
    return row;
  }

  #view(row: CredentialRow): KeyView {
    const power = powerOf(row);
    return {
      id: row.id,
      name: row.name,
      prefix: power.prefix,
      scopes: [...power.scopes],
      environment: power.space,
      created_at: row.created_at,
      expires_at: row.expires_at,
      last_used_at: row.last_used_at,
      use_count: row.use_count,
    };
  }
}
