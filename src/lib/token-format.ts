import { crc32 } from "node:zlib";
import { isBase62, randomBase62, toBase62 } from "./ids";

/**
 * Every credential lightd issues reads `lightd_<kind>_<id>_<secret><crc>`:
 * - kind names the table (and, for API keys, the environment `live`/`test`),
 * - id is the public row id, so the server reads one row and runs argon2 once,
 * - secret is 32 base62 chars (≈190 bits), never stored, only its argon2id hash,
 * - crc is a 6-char base62 CRC32 of everything before it, so a leaked token can be
 *   recognised offline and garbage is rejected before touching the database.
 */
export const TOKEN_PREFIX = "lightd_";
export const MIN_TOKEN_LENGTH = 20;

/** Kinds stored in the credentials table. */
export const CREDENTIAL_KINDS = ["tok", "ses", "live", "test", "oat", "ort"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
/**
 * Every kind of issued token: the credentials plus magic links (`mlk`), invite codes (`inv`)
 * and OAuth client secrets (`ocs`), each kept in a table of its own and never accepted as a
 * credential.
 */
export const TOKEN_KINDS = [...CREDENTIAL_KINDS, "mlk", "inv", "ocs"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export function isCredentialKind(kind: TokenKind): kind is CredentialKind {
  return (CREDENTIAL_KINDS as readonly string[]).includes(kind);
}

const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const CRC_LENGTH = 6;

export interface IssuedToken {
  text: string;
  id: string;
  secret: string;
}

function checksum(body: string): string {
  return toBase62(crc32(body), CRC_LENGTH);
}

export function issueToken(kind: TokenKind, id: string): IssuedToken {
  const secret = randomBase62(SECRET_LENGTH);
  const body = `${TOKEN_PREFIX}${kind}_${id}_${secret}`;
  return { text: body + checksum(body), id, secret };
}

export interface ParsedToken {
  kind: TokenKind;
  id: string;
}

/** Parses an issued credential; null when the shape or the checksum is wrong. */
export function parseIssuedToken(text: string): ParsedToken | null {
  if (!text.startsWith(TOKEN_PREFIX)) return null;
  const parts = text.slice(TOKEN_PREFIX.length).split("_");
  if (parts.length !== 3) return null;
  const [kind, id, tail] = parts as [string, string, string];
  if (!(TOKEN_KINDS as readonly string[]).includes(kind)) return null;
  if (id.length !== ID_LENGTH || !isBase62(id)) return null;
  if (tail.length !== SECRET_LENGTH + CRC_LENGTH || !isBase62(tail)) return null;
  const body = text.slice(0, text.length - CRC_LENGTH);
  if (checksum(body) !== tail.slice(SECRET_LENGTH)) return null;
  return { kind: kind as TokenKind, id };
}

/** The secret part of an issued token (checked first with parseIssuedToken): what its argon2id hash is of. */
export function secretOf(text: string): string {
  return text.slice(text.lastIndexOf("_") + 1, -CRC_LENGTH);
}

/** The lightd token format rule of the CLI and the master token: `lightd_` prefix, ≥ 20 chars, printable. */
export function isWellFormedToken(text: string): boolean {
  return (
    text.startsWith(TOKEN_PREFIX) &&
    text.length >= MIN_TOKEN_LENGTH &&
    text.length <= 512 &&
    /^[\x21-\x7e]+$/.test(text)
  );
}
