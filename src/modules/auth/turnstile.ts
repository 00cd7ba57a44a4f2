import { forbidden } from "../../domain/errors";

export interface TurnstileSettings {
  secret?: string;
  verify_url: string;
}

/**
 * Cloudflare Turnstile bot check, enforced only when a secret is configured. Posts the
 * form `secret`, `response`, `remoteip` to the verify URL; anything but `success: true`
 * (including an unreachable verifier) is 403.
 */
export async function checkTurnstile(
  settings: TurnstileSettings,
  response: string | undefined,
  remoteIp: string | null,
): Promise<void> {
  if (!settings.secret) return;
  const failed = forbidden("Bot check failed");
  if (!response) throw failed;
  const form = new URLSearchParams({ secret: settings.secret, response });
  if (remoteIp) form.set("remoteip", remoteIp);
  let ok = false;
  try {
    const res = await fetch(settings.verify_url, { method: "POST", body: form, signal: AbortSignal.timeout(10_000) });
    ok = res.ok && ((await res.json()) as { success?: unknown }).success === true;
  } catch {
    ok = false;
  }
  if (!ok) throw failed;
}
