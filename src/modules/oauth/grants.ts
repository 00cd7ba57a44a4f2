import { noSuch } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { CredentialRepository } from "../../storage/db/credentials";
import type { OAuthGrantRepository } from "../../storage/db/oauth-grants";
import type { CredentialVerifier } from "../auth/verifier";
import type { ClientService } from "./clients";

/** An app a person has authorized, as they see it. */
export interface AuthorizedApp {
  id: string;
  client_id: string;
  client_name: string;
  scopes: string[];
  prefix: string;
  created_at: number;
  /** Unix ms of the last request or refresh with its tokens; null if never used. */
  last_used_at: number | null;
}

/** The apps a person has let in, and taking that back. */
export class AuthorizedApps {
  constructor(
    private readonly grants: OAuthGrantRepository,
    private readonly credentials: CredentialRepository,
    private readonly clients: ClientService,
    private readonly verifier: CredentialVerifier,
  ) {}

  list(principal: Principal): AuthorizedApp[] {
    // Usage counters are batched in memory; write them first so "last used" is current.
    this.verifier.flushUsage();
    const lastUse = this.credentials.lastUseByGrant(principal.accountId);
    return this.grants.listByAccount(principal.accountId).map((g) => {
      const used = Math.max(lastUse.get(g.id) ?? 0, g.refreshed_at ?? 0);
      return {
        id: g.id,
        client_id: g.client_id,
        client_name: this.clients.find(g.client_id)?.name ?? g.client_id,
        scopes: g.scopes.split(" "),
        prefix: g.prefix,
        created_at: g.created_at,
        last_used_at: used === 0 ? null : used,
      };
    });
  }

  /** Security rule: revoking an app ends its access and refresh tokens at their very next request. */
  revoke(principal: Principal, id: string): void {
    if (!this.grants.deleteOwned(id, principal.accountId)) throw noSuch("authorized app");
  }
}
