import type { Scope } from "../files";
import type { Repositories } from "../repositories";
import { PostgresAccountRepository } from "./accounts";
import { PostgresApiKeyRepository } from "./api-keys";
import { PostgresBackupRepository, PostgresReclaimHoldRepository } from "./backups";
import { postgresChallenges, postgresMagicLinks } from "./challenges";
import { PostgresCredentialRepository } from "./credentials";
import { PostgresDavLockRepository, PostgresDavPropertyRepository } from "./dav";
import { PostgresEventRepository } from "./events";
import { PostgresFileRepository } from "./files";
import { PostgresHookRepository } from "./hooks";
import { PostgresInviteRepository, PostgresQuotaRepository } from "./invites";
import { PostgresOAuthClientRepository, PostgresOAuthCodeRepository, PostgresOAuthGrantRepository } from "./oauth";
import { PostgresReclaimRepository } from "./reclaim";
import { type Queryable, speakingStorage } from "./rows";
import { PostgresShareRepository } from "./shares";
import { PostgresSpaceRepository } from "./spaces";
import { PostgresUploadRepository } from "./uploads";
import { PostgresVersionRepository } from "./versions";

/** Every repository over one pool or one unit of work's transaction. */
export function postgresRepositories(
  pool: Queryable,
  appended: (scope: Scope, tx: number) => void,
  origin: string,
): Repositories {
  const sql = speakingStorage(pool);
  return {
    accounts: new PostgresAccountRepository(sql),
    credentials: new PostgresCredentialRepository(sql),
    apiKeys: new PostgresApiKeyRepository(sql),
    challenges: postgresChallenges(sql),
    magicLinks: postgresMagicLinks(sql),
    invites: new PostgresInviteRepository(sql),
    quotas: new PostgresQuotaRepository(sql),
    files: new PostgresFileRepository(sql),
    spaces: new PostgresSpaceRepository(sql),
    events: new PostgresEventRepository(sql, appended, origin),
    reclaim: new PostgresReclaimRepository(sql),
    uploads: new PostgresUploadRepository(sql),
    shares: new PostgresShareRepository(sql),
    hooks: new PostgresHookRepository(sql),
    davLocks: new PostgresDavLockRepository(sql),
    davProperties: new PostgresDavPropertyRepository(sql),
    versions: new PostgresVersionRepository(sql),
    holds: new PostgresReclaimHoldRepository(sql),
    backups: new PostgresBackupRepository(sql),
    oauthClients: new PostgresOAuthClientRepository(sql),
    oauthCodes: new PostgresOAuthCodeRepository(sql),
    oauthGrants: new PostgresOAuthGrantRepository(sql),
  };
}
