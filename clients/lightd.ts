/**
 * The API's shapes by name, taken from the types generated out of the contract
 * (lightd-api.d.ts, `npx bun scripts/openapi.ts`): the CLI and the dashboard use these
 * instead of declaring their own copies, so a change to the API shows up where it is read.
 */
import type { components, operations } from "./lightd-api";

/** The JSON body of an operation's answer with `status`. */
type Answer<Op extends keyof operations, Status extends number = 200> = operations[Op]["responses"] extends {
  [S in Status]: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** An event of the log, of the live feed (WebSocket message, SSE `data:`) and of webhooks. */
export type ChangeEvent = components["schemas"]["ChangeEvent"];
export type FileEntry = Answer<"getFiles">["entries"][number];
export type SearchHit = Answer<"getFilesSearch">["results"][number];
export type FileVersion = Answer<"getFilesVersions">["versions"][number];
export type TrashEntry = Answer<"getFilesTrash">["entries"][number];
export type ShareLink = Answer<"getFilesShares">["shares"][number];
export type Me = Answer<"getAuthMe">;
export type KeyMetadata = Answer<"getAuthKeys">["keys"][number];
export type Account = Answer<"getAdminAccounts">["accounts"][number];
export type ConsentDetails = Answer<"getOauthConsent">;
export type OAuthClient = Answer<"getOauthClients">["clients"][number];
export type AuthorizedApp = Answer<"getOauthAuthorizations">["authorizations"][number];
