/**
 * Which optional API routes this server has, read from its public OpenAPI document, so a
 * control appears only when the route behind it exists (e.g. copy, share lists, live feed).
 */
let known: Promise<Set<string>> | undefined;

export function apiRoutes(): Promise<Set<string>> {
  known ??= fetch("/swagger/json", { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : { paths: {} }))
    .then((doc: { paths?: Record<string, Record<string, unknown>> }) => {
      const routes = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        for (const method of Object.keys(ops)) routes.add(`${method.toUpperCase()} ${path}`);
      }
      return routes;
    })
    .catch(() => new Set<string>());
  return known;
}

export async function hasRoute(method: string, path: string): Promise<boolean> {
  return (await apiRoutes()).has(`${method} ${path}`);
}
