import { withBodyLimit } from "./body-limit";
import { withCors } from "./cors";
import { withHeadSupport } from "./head";

type Handler = (request: Request) => Response | Promise<Response>;

const NO_ORIGINS: readonly string[] = [];

/**
 * The request handler the server runs (and the tests call): the app behind the
 * cross-cutting rules that must see the raw request first — CORS (preflights never reach
 * the app), HEAD without reading bodies, and the in-memory body cap.
 */
export function createHandler(
  app: { handle: Handler },
  options: { maxBodyBytes: () => number; corsOrigins?: () => readonly string[] },
): Handler {
  const inner = withHeadSupport(withBodyLimit((request) => app.handle(request), options.maxBodyBytes));
  return withCors(inner, options.corsOrigins ?? (() => NO_ORIGINS));
}
