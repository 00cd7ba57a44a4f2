import { escapeXml } from "../../lib/xml";

export const DAV_NS = "DAV:";
const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';

export const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  423: "Locked",
  424: "Failed Dependency",
  507: "Insufficient Storage",
};

export const statusLine = (status: number) => `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}`;

/**
 * A property element named by namespace and local name. DAV: uses the document's `D:`
 * prefix, and so does any namespace the document declares at its root (`prefixes`);
 * any other namespace declares its own prefix on the element. No default namespace is
 * ever declared, so an element without a namespace is written bare.
 */
export function propertyTag(
  ns: string,
  name: string,
  inner: string | null,
  prefixes?: ReadonlyMap<string, string>,
): string {
  let tag: string;
  let decl = "";
  if (ns === DAV_NS) tag = `D:${name}`;
  else if (ns === "") tag = name;
  else {
    const prefix = prefixes?.get(ns);
    if (prefix) tag = `${prefix}:${name}`;
    else {
      tag = `P:${name}`;
      decl = ` xmlns:P="${escapeXml(ns)}"`;
    }
  }
  return inner === null || inner === "" ? `<${tag}${decl}/>` : `<${tag}${decl}>${inner}</${tag}>`;
}

/** One `<D:response>` with a propstat per status (statuses with no properties are left out). */
export function responseXml(href: string, propstats: Map<number, string[]>): string {
  let out = `<D:response><D:href>${escapeXml(href)}</D:href>`;
  for (const [status, props] of propstats) {
    if (props.length === 0) continue;
    out += `<D:propstat><D:prop>${props.join("")}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`;
  }
  return `${out}</D:response>`;
}

function multistatusHead(prefixes?: ReadonlyMap<string, string>): string {
  let decls = "";
  for (const [ns, prefix] of prefixes ?? []) decls += ` xmlns:${prefix}="${escapeXml(ns)}"`;
  return `${XML_HEAD}<D:multistatus xmlns:D="DAV:"${decls}>`;
}

const XML_HEADERS = { "content-type": 'application/xml; charset="utf-8"' };

/**
 * A 207 document rendered as it is sent, `batch` members at a time: a Depth 1 listing of
 * a large folder never holds its whole multi-megabyte answer in memory at once.
 */
export function streamedMultistatus(
  count: number,
  render: (index: number) => string,
  prefixes?: ReadonlyMap<string, string>,
  batch = 256,
): Response {
  let next = 0;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(multistatusHead(prefixes)));
    },
    pull(controller) {
      let chunk = "";
      const end = Math.min(count, next + batch);
      for (; next < end; next++) chunk += render(next);
      if (next >= count) chunk += "</D:multistatus>";
      controller.enqueue(encoder.encode(chunk));
      if (next >= count) controller.close();
    },
  });
  return new Response(body, { status: 207, headers: XML_HEADERS });
}

/** The 207 document; `prefixes` are namespaces declared once at its root instead of on every element. */
export function multistatus(responses: string[] | string, prefixes?: ReadonlyMap<string, string>): Response {
  const body = `${multistatusHead(prefixes)}${typeof responses === "string" ? responses : responses.join("")}</D:multistatus>`;
  return new Response(body, { status: 207, headers: XML_HEADERS });
}

/** A body for a status with an RFC 4918 precondition (`<D:error><D:name/></D:error>`). */
export function conditionResponse(status: number, condition: string, headers: Record<string, string> = {}): Response {
  return xmlResponse(status, `<D:error xmlns:D="DAV:"><D:${condition}/></D:error>`, headers);
}

export function xmlResponse(status: number, inner: string, headers: Record<string, string> = {}): Response {
  return new Response(`${XML_HEAD}${inner}`, {
    status,
    headers: { ...XML_HEADERS, ...headers },
  });
}
