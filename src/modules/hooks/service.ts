import { badRequest, conflict, notFound } from "../../domain/errors";
import { parsePrefix } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import { newId } from "../../lib/ids";
import { privateAddressOf } from "../../lib/public-address";
import type { SecretBox } from "../../lib/sealed";
import { newWebhookSecret } from "../../lib/webhook-signature";
import { EVENT_ACTIONS, type EventAction } from "../../storage/db/events";
import type { DeliveryRow, HookCreator, HookRow } from "../../storage/db/hooks";
import type { Metadata } from "../../storage/db/metadata";
import { type FileService, scopeOf } from "../files/service";
import type { Hook } from "./model";

/** Hooks one account space may have, so nobody turns lightd into a fan-out amplifier. */
const MAX_HOOKS_PER_SPACE = 100;

export type HookView = typeof Hook.static;

export const hookView = (row: HookRow): HookView => ({
  id: row.id,
  url: row.url,
  prefix: row.prefix,
  actions: row.actions === null ? [...EVENT_ACTIONS] : row.actions.split(" "),
  created_at: row.created_at,
});

const deliveryView = (row: DeliveryRow) => ({
  id: row.id,
  tx: row.tx,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === "pending" ? row.next_attempt_at : null,
  last_status: row.last_status,
  last_error: row.last_error,
  created_at: row.created_at,
  delivered_at: row.delivered_at,
});

/**
 * A webhook target as given by a user: http(s) only. Unless `webhooks.allow_private` is set,
 * a host that resolves to a private, loopback or link-local address is refused (400), so a
 * hook cannot be pointed at lightd's own network. The dispatcher checks again on every attempt.
 */
export async function checkTarget(text: string, allowPrivate: boolean): Promise<URL> {
  const url = URL.parse(text);
  if (!url) throw badRequest("url must be an absolute http or https URL");
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badRequest("url must use http or https");
  if (url.username !== "" || url.password !== "") throw badRequest("url must not carry credentials");
  if (allowPrivate) return url;
  const privateAddress = await privateAddressOf(url).catch(() => {
    throw badRequest(`url host '${url.hostname}' does not resolve`);
  });
  if (privateAddress !== null) {
    throw badRequest(
      `url host '${url.hostname}' is a private or loopback address (${privateAddress}); set webhooks.allow_private to allow it`,
    );
  }
  return url;
}

/**
 * Webhooks of an account space. A hook sees what its creator may read: the same space, and
 * a prefix narrowed to the creating key's (403 outside it, the rule of the log and feed),
 * for as long as its creator may (`creatorOf`: the key, token or app authorization whose end
 * deletes the hook; none for the master token and a person's session).
 */
export class HookService {
  constructor(
    private readonly metadata: Metadata,
    private readonly files: FileService,
    private readonly secrets: SecretBox,
    private readonly allowPrivate: () => boolean,
    private readonly creatorOf: (principal: Principal) => Promise<HookCreator>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    principal: Principal,
    input: { url: string; prefix?: string; actions?: EventAction[] },
  ): Promise<HookView & { secret: string }> {
    const prefix = input.prefix === undefined ? undefined : parsePrefix(input.prefix);
    const filter = this.files.logFilter(principal, prefix, true);
    const url = await checkTarget(input.url, this.allowPrivate());
    const scope = scopeOf(principal);
    const creator = await this.creatorOf(principal);
    const secret = newWebhookSecret();
    const fields = {
      ...creator,
      id: `hook_${newId()}`,
      account_id: scope.account,
      space: scope.space,
      url: url.href,
      prefix: filter.path,
      actions: input.actions === undefined ? null : input.actions.join(" "),
      secret: this.secrets.seal(secret),
      created_at: this.now(),
    };
    // The count and the insert share one unit of work, so racing creates cannot pass the cap.
    const row = await this.metadata.write(async (tx) => {
      if ((await tx.hooks.forSpace(scope)).length >= MAX_HOOKS_PER_SPACE) {
        throw conflict(`At most ${MAX_HOOKS_PER_SPACE} webhooks per account`);
      }
      // Deliveries start with the next change; the log before it is not sent.
      const created: HookRow = { ...fields, queued_tx: await tx.events.latestTx(scope) };
      await tx.hooks.insert(created);
      return created;
    });
    return { ...hookView(row), secret };
  }

  /** Hooks of the principal's space that lie within its prefix. */
  async list(principal: Principal): Promise<HookView[]> {
    const hooks = await this.metadata.read.hooks.forSpace(scopeOf(principal));
    return hooks.filter((h) => h.prefix.startsWith(principal.prefix)).map(hookView);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const hook = await this.#find(principal, id);
    await this.metadata.write((tx) => tx.hooks.delete(hook.id));
  }

  async deliveries(principal: Principal, id: string, limit: number) {
    const hook = await this.#find(principal, id);
    return (await this.metadata.read.hooks.deliveries(hook.id, limit)).map(deliveryView);
  }

  async #find(principal: Principal, id: string): Promise<HookRow> {
    const row = await this.metadata.read.hooks.get(scopeOf(principal), id);
    if (!row?.prefix.startsWith(principal.prefix)) throw notFound("Webhook");
    return row;
  }
}
