import { reachesLive } from "../../domain/access";
import { noSuch } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { Metadata } from "../../storage/db/metadata";
import type { CredentialVerifier } from "../auth/verifier";
import type { ClientService } from "./clients";
import type { AuthorizedApp as AuthorizedAppSchema } from "./model";

/** An app a person has authorized, as they see it. */
export type AuthorizedApp = typeof AuthorizedAppSchema.static;

/** The apps a person has let in, and taking that back. */
export class AuthorizedApps {
  constructor(
    private readonly metadata: Metadata,
    private readonly clients: ClientService,
    private readonly verifier: CredentialVerifier,
  ) {}

  async list(principal: Principal): Promise<AuthorizedApp[]> {
    if (!reachesLive(principal)) return [];
    // Usage counters are batched in memory; write them first so "last used" is current.
    await this.verifier.flushUsage();
    const { credentials, oauthGrants } = this.metadata.read;
    const lastUse = await credentials.lastUseByGrant(principal.accountId);
    const apps: AuthorizedApp[] = [];
    for (const g of await oauthGrants.listByAccount(principal.accountId)) {
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
    if (!reachesLive(principal)) throw noSuch("authorized app");
    const revoked = await this.metadata.write((tx) => tx.oauthGrants.deleteOwned(id, principal.accountId));
    if (!revoked) throw noSuch("authorized app");
  }
}
