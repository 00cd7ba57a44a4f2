import { noSuch } from "../../domain/errors";
import { grantPower, powerWithin, principalPower } from "../../domain/power";
import type { Principal } from "../../domain/principal";
import type { Metadata } from "../../storage/db/metadata";
import type { OAuthGrantRow } from "../../storage/db/oauth";
import type { CredentialVerifier } from "../auth/verifier";
import type { ClientService } from "./clients";
import type { AuthorizedApp as AuthorizedAppSchema } from "./model";

/** An app a person has authorized, as they see it. */
export type AuthorizedApp = typeof AuthorizedAppSchema.static;

/**
 * Security rule "a credential sees and manages only what lies within its own power", as for API
 * keys (ApiKeyService): an authorization is seen and revoked only by a credential whose power
 * holds its tokens' power (the granted scopes and prefix, in the live space). A test key or a
 * key held to `docs/` does not see, nor end, the access of an app let in to everything.
 */
export function grantWithin(grant: OAuthGrantRow, principal: Principal): boolean {
  return powerWithin(grantPower(grant), principalPower(principal));
}

/** The apps a person has let in, and taking that back. */
export class AuthorizedApps {
  constructor(
    private readonly metadata: Metadata,
    private readonly clients: ClientService,
    private readonly verifier: CredentialVerifier,
  ) {}

  async list(principal: Principal): Promise<AuthorizedApp[]> {
    // Usage counters are batched in memory; write them first so "last used" is current.
    await this.verifier.flushUsage();
    const { credentials, oauthGrants } = this.metadata.read;
    const lastUse = await credentials.lastUseByGrant(principal.accountId);
    const apps: AuthorizedApp[] = [];
    for (const g of await oauthGrants.listByAccount(principal.accountId)) {
      if (!grantWithin(g, principal)) continue;
      const used = Math.max(lastUse.get(g.id) ?? 0, g.refreshed_at ?? 0);
      apps.push({
        id: g.id,
        client_id: g.client_id,
        client_name: (await this.clients.find(g.client_id))?.name ?? g.client_id,
        scopes: g.scopes.split(" "),
        prefix: g.prefix,
        created_at: g.created_at,
        last_used_at: used === 0 ? null : used,
      });
    }
    return apps;
  }

  /** Security rule: revoking an app ends its access and refresh tokens at their very next request. */
  async revoke(principal: Principal, id: string): Promise<void> {
    const grant = await this.metadata.read.oauthGrants.findById(id);
    if (!grant || grant.account_id !== principal.accountId || !grantWithin(grant, principal))
      throw noSuch("authorized app");
    const revoked = await this.metadata.write((tx) => tx.oauthGrants.deleteOwned(id, principal.accountId));
    if (!revoked) throw noSuch("authorized app");
  }
}
