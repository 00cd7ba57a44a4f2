import type { Database } from "bun:sqlite";
import type { Scope } from "../files";
import type { Repositories } from "../repositories";
import { SqliteAccountRepository } from "./accounts";
import { SqliteApiKeyRepository } from "./api-keys";
import { SqliteBackupRepository, SqliteReclaimHoldRepository } from "./backups";
import { SqliteCredentialRepository } from "./credentials";
import { SqliteDavLockRepository, SqliteDavPropertyRepository } from "./dav";
import { SqliteEventRepository } from "./events";
import { SqliteFileRepository } from "./files";
import { SqliteHookRepository } from "./hooks";
import { SqliteInviteRepository, SqliteQuotaRepository } from "./invites";
import { type RepositoryConnection, SqliteMetadata } from "./metadata";
import { SqliteOAuthClientRepository, SqliteOAuthCodeRepository, SqliteOAuthGrantRepository } from "./oauth";
import { sqliteChallenges, sqliteMagicLinks } from "./one-time";
import { SqliteReclaimRepository } from "./reclaim";
import { SqliteShareRepository } from "./shares";
import { SqliteSpaceRepository } from "./spaces";
import { SqliteUploadRepository } from "./uploads";
import { SqliteVersionRepository } from "./versions";

/** File rows by path the read connection keeps while the database does not change (./read-turn.ts). */
const FILE_ROWS_KEPT = 10_000;
/** Credential rows (every authenticated request reads its own) kept the same way. */
const CREDENTIAL_ROWS_KEPT = 10_000;

/**
 * Every repository over one connection; statements are prepared once, here. What each
 * connection passes is in `RepositoryConnection` (./metadata.ts).
 */
export function sqliteRepositories(
  db: Database,
  appended: (scope: Scope, tx: number) => void,
  { search, turn, searchable }: RepositoryConnection = {},
): Repositories {
  return {
    accounts: new SqliteAccountRepository(db),
    credentials: new SqliteCredentialRepository(db, turn?.cache(CREDENTIAL_ROWS_KEPT)),
    apiKeys: new SqliteApiKeyRepository(db),
    challenges: sqliteChallenges(db),
    magicLinks: sqliteMagicLinks(db),
    invites: new SqliteInviteRepository(db),
    quotas: new SqliteQuotaRepository(db),
    files: new SqliteFileRepository(db, { search, kept: turn?.cache(FILE_ROWS_KEPT), searchable }),
    spaces: new SqliteSpaceRepository(db),
    events: new SqliteEventRepository(db, appended),
    reclaim: new SqliteReclaimRepository(db),
    uploads: new SqliteUploadRepository(db),
    shares: new SqliteShareRepository(db),
    hooks: new SqliteHookRepository(db),
    davLocks: new SqliteDavLockRepository(db),
    davProperties: new SqliteDavPropertyRepository(db),
    versions: new SqliteVersionRepository(db),
    holds: new SqliteReclaimHoldRepository(db),
    backups: new SqliteBackupRepository(db),
    oauthClients: new SqliteOAuthClientRepository(db),
    oauthCodes: new SqliteOAuthCodeRepository(db),
    oauthGrants: new SqliteOAuthGrantRepository(db),
  };
}

export { installSnapshot, openSnapshot } from "./snapshot";

/** The embedded metadata engine: the SQLite file at `path` (created and migrated when needed). */
export function openSqliteMetadata(path: string): SqliteMetadata {
  return new SqliteMetadata(path, sqliteRepositories);
}
