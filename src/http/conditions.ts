import { badRequest } from "../domain/errors";
import { ConditionSyntaxError, parseTagCondition, type TagCondition, type WriteConditions } from "../lib/conditions";

/** `If-Match` / `If-None-Match` of a write request; a malformed header is a 400, never ignored. */
export function writeConditionsOf(request: Request): WriteConditions {
  const conditions: WriteConditions = {};
  const ifMatch = tagConditionOf(request.headers, "if-match");
  if (ifMatch !== undefined) conditions.ifMatch = ifMatch;
  const ifNoneMatch = tagConditionOf(request.headers, "if-none-match");
  if (ifNoneMatch !== undefined) conditions.ifNoneMatch = ifNoneMatch;
  return conditions;
}

/** One conditional header parsed (undefined when absent); a malformed one is a 400, never ignored. */
export function tagConditionOf(headers: Headers, header: "if-match" | "if-none-match"): TagCondition | undefined {
  const value = headers.get(header);
  if (value === null) return undefined;
  try {
    return parseTagCondition(value);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) throw badRequest(`Invalid ${header} header: ${error.message}`);
    throw error;
  }
}
