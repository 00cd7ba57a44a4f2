/**
 * Conditional requests (RFC 9110 §13) for writes: `If-Match` and `If-None-Match`.
 * Parsed once at the HTTP edge into plain values, evaluated by the services inside the
 * transaction that makes the change, so a check and its write can never be split by
 * another writer.
 */
export interface EntityTag {
  weak: boolean;
  /** Opaque tag without quotes, as lightd stores it. */
  tag: string;
}

/** `*` (any current representation) or a list of entity tags. */
export type TagCondition = "*" | EntityTag[];

export interface WriteConditions {
  /** The write goes ahead only if the target exists (`*`) or its ETag strongly equals one listed. */
  ifMatch?: TagCondition;
  /** The write goes ahead only if the target does not exist (`*`) or its ETag equals none listed. */
  ifNoneMatch?: TagCondition;
  /** WebDAV lock tokens the client submitted (its `If` header): what lets it change what it locked. */
  lockTokens?: ReadonlySet<string>;
}

export class ConditionSyntaxError extends Error {
  override name = "ConditionSyntaxError";
}

const TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/** Parses `*` or a comma-separated list of `"tag"` / `W/"tag"`; throws ConditionSyntaxError for anything else. */
export function parseTagCondition(header: string): TagCondition {
  const value = header.trim();
  if (value === "*") return "*";
  const tags: EntityTag[] = [];
  for (const part of value.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const match = TAG.exec(item);
    if (!match) throw new ConditionSyntaxError(`'${item.slice(0, 80)}' is not a quoted entity tag or *`);
    tags.push({ weak: match[1] !== undefined, tag: match[2] as string });
  }
  if (tags.length === 0) throw new ConditionSyntaxError("empty entity tag list");
  return tags;
}

/** What a condition is evaluated against: the current row (its ETag, null for a folder) or nothing. */
export type ConditionTarget = { etag: string | null } | null;

/** If-Match uses the strong comparison: a weak tag never matches, and neither does a folder (no ETag). */
export function ifMatchHolds(condition: TagCondition | undefined, target: ConditionTarget): boolean {
  if (condition === undefined) return true;
  if (target === null) return false;
  if (condition === "*") return true;
  return target.etag !== null && condition.some((t) => !t.weak && t.tag === target.etag);
}

/** If-None-Match uses the weak comparison: `W/"x"` and `"x"` both name x. */
export function ifNoneMatchHolds(condition: TagCondition | undefined, target: ConditionTarget): boolean {
  if (condition === undefined || target === null) return true;
  if (condition === "*") return false;
  return target.etag === null || !condition.some((t) => t.tag === target.etag);
}
