/**
 * A small namespace-aware XML parser for WebDAV request bodies. It accepts only what
 * those bodies need — elements, attributes, text, CDATA, comments, processing
 * instructions and the five predefined plus numeric character references — and refuses
 * any DOCTYPE, so no entity can be declared, expanded or fetched (no XXE, no billion
 * laughs). Input size is capped by the caller; depth and element count are capped here.
 */
export interface XmlElement {
  /** Namespace URI ("" for none). */
  ns: string;
  name: string;
  attrs: XmlAttr[];
  children: XmlNode[];
}
export interface XmlAttr {
  ns: string;
  name: string;
  value: string;
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {
  override name = "XmlError";
}

const MAX_DEPTH = 64;
const MAX_ELEMENTS = 20_000;
const NAME =
  /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?$/;
const XML_NS = "http://www.w3.org/XML/1998/namespace";
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&<]{0,12});|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError("bare '&' in text");
    if (ref in PREDEFINED) return PREDEFINED[ref] as string;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref)
      ? Number.parseInt(ref.slice(2), 16)
      : /^#\d{1,7}$/.test(ref)
        ? Number(ref.slice(1))
        : -1;
    if (code < 0) throw new XmlError(`entity '${whole}' is not allowed`);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError("invalid character");
    return String.fromCodePoint(code);
  });
}

interface RawElement {
  qname: string;
  rawAttrs: [string, string][];
  scope: Map<string, string>;
  element: XmlElement;
}

function resolve(qname: string, scope: Map<string, string>, isAttr: boolean): { ns: string; name: string } {
  const colon = qname.indexOf(":");
  if (colon === -1) return { ns: isAttr ? "" : (scope.get("") ?? ""), name: qname };
  const prefix = qname.slice(0, colon);
  if (prefix === "xml") return { ns: XML_NS, name: qname.slice(colon + 1) };
  const ns = scope.get(prefix);
  if (ns === undefined || ns === "") throw new XmlError(`namespace prefix '${prefix}' is not declared`);
  return { ns, name: qname.slice(colon + 1) };
}

/** Parses a whole document into its root element; throws XmlError when it is not well-formed. */
export function parseXml(text: string): XmlElement {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: RawElement[] = [];
  let root: XmlElement | null = null;
  let count = 0;
  const fail = (message: string): never => {
    throw new XmlError(message);
  };
  const appendText = (raw: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (raw.trim() !== "") fail("text outside the root element");
      return;
    }
    if (raw !== "") top.element.children.push(raw);
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt === -1) {
      appendText(decodeText(text.slice(i)));
      break;
    }
    if (lt > i) appendText(decodeText(text.slice(i, lt)));
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end === -1) fail("unterminated comment");
      i = end + 3;
    } else if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      if (end === -1 || stack.length === 0) fail("misplaced CDATA section");
      appendText(text.slice(lt + 9, end));
      i = end + 3;
    } else if (text.startsWith("<?", lt)) {
      const end = text.indexOf("?>", lt + 2);
      if (end === -1) fail("unterminated processing instruction");
      i = end + 2;
    } else if (text.startsWith("<!", lt)) {
      fail("DOCTYPE and entity declarations are not accepted");
    } else if (text.startsWith("</", lt)) {
      const end = text.indexOf(">", lt);
      if (end === -1) fail("unterminated end tag");
      const qname = text.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) fail(`unexpected end tag '${qname}'`);
      i = end + 1;
    } else {
      i = parseStartTag(lt);
    }
  }
  if (stack.length > 0) fail("unclosed element");
  if (!root) fail("no root element");
  return root as unknown as XmlElement;

  function parseStartTag(lt: number): number {
    if (root && stack.length === 0) fail("more than one root element");
    if (++count > MAX_ELEMENTS) fail("too many elements");
    if (stack.length >= MAX_DEPTH) fail("elements nested too deeply");
    let j = lt + 1;
    const nameMatch = /^[^\s/>]+/.exec(text.slice(j, j + 512));
    if (!nameMatch) fail("malformed start tag");
    const qname = (nameMatch as RegExpExecArray)[0];
    if (!NAME.test(qname)) fail(`invalid element name '${qname}'`);
    j += qname.length;
    const rawAttrs: [string, string][] = [];
    for (;;) {
      const ws = /^\s*/.exec(text.slice(j, j + 4096))?.[0].length ?? 0;
      j += ws;
      if (text.startsWith("/>", j) || text.startsWith(">", j)) break;
      if (ws === 0) fail("attributes must be separated by whitespace");
      const attr = /^([^\s=/>]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(j, j + 65_536));
      if (!attr) fail(`malformed attribute in '${qname}'`);
      const [whole, name, , dq, sq] = attr as RegExpExecArray;
      if (!NAME.test(name as string)) fail(`invalid attribute name '${name}'`);
      if (rawAttrs.some(([n]) => n === name)) fail(`duplicate attribute '${name}'`);
      rawAttrs.push([name as string, decodeText((dq ?? sq) as string)]);
      j += (whole as string).length;
    }
    const selfClosing = text.startsWith("/>", j);
    const parentScope = stack[stack.length - 1]?.scope ?? new Map<string, string>();
    let scope = parentScope;
    for (const [name, value] of rawAttrs) {
      if (name !== "xmlns" && !name.startsWith("xmlns:")) continue;
      if (scope === parentScope) scope = new Map(parentScope);
      const prefix = name === "xmlns" ? "" : name.slice(6);
      if (prefix !== "" && value === "") fail(`namespace prefix '${prefix}' bound to an empty name`);
      scope.set(prefix, value);
    }
    const { ns, name } = resolve(qname, scope, false);
    const attrs: XmlAttr[] = [];
    for (const [raw, value] of rawAttrs) {
      if (raw === "xmlns" || raw.startsWith("xmlns:")) continue;
      attrs.push({ ...resolve(raw, scope, true), value });
    }
    const element: XmlElement = { ns, name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    if (!selfClosing) stack.push({ qname, rawAttrs, scope, element });
    return j + (selfClosing ? 2 : 1);
  }
}

/** The child elements of an element (text and whitespace skipped). */
export function elementsOf(element: XmlElement): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== "string");
}

export function isElement(node: XmlElement, ns: string, name: string): boolean {
  return node.ns === ns && node.name === name;
}

export function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

const NEEDS_ESCAPE = /[<>&"]/;
const ESCAPES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" };

export function escapeXml(text: string): string {
  // Most text (hrefs, dates, sizes) has nothing to escape: one test, no new string.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[<>&"]/g, (c) => ESCAPES[c] as string);
}

/**
 * Writes nodes back as XML that stands on its own: every element and attribute in a
 * namespace declares its own prefix, so the fragment keeps its meaning wherever it is
 * embedded (a stored property value answered later inside another document).
 */
export function serializeNodes(nodes: XmlNode[]): string {
  let next = 0;
  const write = (node: XmlNode): string => {
    if (typeof node === "string") return escapeXml(node);
    const decls: string[] = [];
    const qualify = (ns: string, name: string): string => {
      if (ns === "") return name;
      if (ns === XML_NS) return `xml:${name}`;
      const prefix = `x${next++}`;
      decls.push(` xmlns:${prefix}="${escapeXml(ns)}"`);
      return `${prefix}:${name}`;
    };
    const tag = qualify(node.ns, node.name);
    const attrs = node.attrs.map((a) => ` ${qualify(a.ns, a.name)}="${escapeXml(a.value)}"`).join("");
    const inner = node.children.map(write).join("");
    return `<${tag}${decls.join("")}${attrs}${inner === "" ? "/>" : `>${inner}</${tag}>`}`;
  };
  return nodes.map(write).join("");
}
