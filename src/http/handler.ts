import { withBodyLimit } from "./body-limit";
import { withHeadSupport } from "./head";

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * The request handler the server runs (and the tests call): the app behind the
 * cross-cutting rules that must see the raw request first — HEAD without reading
 * bodies, and the in-memory body cap.
 */
export function createHandler(app: { handle: Handler }, options: { maxBodyBytes: () => number }): Handler {
  return withHeadSupport(withBodyLimit((request) => app.handle(request), options.maxBodyBytes));
}
