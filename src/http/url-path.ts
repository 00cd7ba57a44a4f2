/**
 * The path of a request's absolute URL, without its query ("/" when it has none), found
 * without parsing the whole URL: the edge asks it of every request.
 */
export function pathOfUrl(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}
