import { badRequest } from "../domain/errors";
import { ConditionSyntaxError, parseTagCondition, type WriteConditions } from "../lib/conditions";

/** `If-Match` / `If-None-Match` of a write request; a malformed header is a 400, never ignored. */
export function writeConditionsOf(request: Request): WriteConditions {
  const conditions: WriteConditions = {};
  for (const [header, field] of [
    ["if-match", "ifMatch"],
    ["if-none-match", "ifNoneMatch"],
  ] as const) {
    const value = request.headers.get(header);
    if (value === null) continue;
    try {
      conditions[field] = parseTagCondition(value);
    } catch (error) {
      if (error instanceof ConditionSyntaxError) throw badRequest(`Invalid ${header} header: ${error.message}`);
      throw error;
    }
  }
  return conditions;
}
