import type { Me } from "../../clients/lightd";
import { api } from "./api";
import { signNonce } from "./ed25519";

export const can = (me: Me, scope: string) => me.scopes.includes(scope);
/** Account administration is for the admin account with full power (the server decides; this only hides pages). */
export const isAdmin = (me: Me) => me.actor === "admin" && can(me, "admin") && me.prefix === "";

export function whoAmI(): Promise<Me> {
  return api<Me>("GET", "/auth/me");
}

/** Trades any lightd credential for the HttpOnly session cookie; the credential is not kept. */
export function openSession(token: string): Promise<{ actor: string; expires_at: number }> {
  return api("POST", "/auth/session", { token });
}

export async function signOut(): Promise<void> {
  await api("POST", "/auth/logout");
}

/** Signs in with an Ed25519 seed: challenge, signature made in this page, session cookie. */
export async function signInWithKey(actor: string, seed: Uint8Array): Promise<void> {
  const challenge = await api<{ challenge_id: string; nonce: string }>("POST", "/auth/challenge", { actor });
  const signature = signNonce(seed, challenge.nonce);
  const session = await api<{ token: string }>("POST", "/auth/verify", {
    challenge_id: challenge.challenge_id,
    actor,
    signature,
  });
  // The session token is exchanged at once for the HttpOnly cookie and forgotten.
  await openSession(session.token);
}

export type { Me };
