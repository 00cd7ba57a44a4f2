import { t } from "elysia";

/** The body of every error answer (see the catalogue in domain/errors.ts): shared by every route module. */
export const ErrorResponse = t.Object(
  {
    error: t.String({ description: "Machine-readable code, e.g. not_found" }),
    message: t.String({ description: "Human-readable text" }),
  },
  { description: "Error" },
);

/** The error answers a route documents: `errorResponses(400, 404)` is `{ 400: ErrorResponse, 404: ErrorResponse }`. */
export function errorResponses<const Statuses extends readonly number[]>(...statuses: Statuses) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponse])) as {
    [S in Statuses[number]]: typeof ErrorResponse;
  };
}
