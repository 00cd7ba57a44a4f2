import { t } from "elysia";

/** The body of every error answer (see the catalogue in domain/errors.ts): shared by every route module. */
export const ErrorResponse = t.Object(
  {
    error: t.String({ description: "Machine-readable code, e.g. not_found" }),
    message: t.String({ description: "Human-readable text" }),
  },
  { description: "Error" },
);
