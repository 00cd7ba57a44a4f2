import { describe, expect, test } from "bun:test";
import { elementsOf, parseXml, serializeNodes, XmlError } from "../../src/lib/xml";
import { parseIfHeader, submittedTokens } from "../../src/modules/dav/if-header";

describe("parseXml", () => {
  test("resolves prefixes and default namespaces, including an undeclared default", () => {
    const root = parseXml(
      '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns="urn:x"><D:prop><a/><b xmlns=""/></D:prop></D:propfind>',
    );
    expect(root).toMatchObject({ ns: "DAV:", name: "propfind" });
    const prop = elementsOf(root)[0];
    expect(elementsOf(prop!).map((e) => [e.ns, e.name])).toEqual([
      ["urn:x", "a"],
      ["", "b"],
    ]);
  });

  test("decodes the predefined and numeric references, CDATA as text", () => {
    const root = parseXml("<a>&lt;&amp;&#x1F600;&#65;<![CDATA[<raw>]]></a>");
    expect(root.children.join("")).toBe("<&😀A<raw>");
  });

  test.each([
    ["a DOCTYPE", '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ["an unknown entity", "<a>&x;</a>"],
    ["a bare ampersand", "<a>a & b</a>"],
    ["mismatched tags", "<a><b></a></b>"],
    ["two roots", "<a/><b/>"],
    ["an unbound prefix", "<x:a/>"],
    ["a prefix bound to an empty name", '<a xmlns:x=""/>'],
    ["a duplicate attribute", '<a x="1" x="2"/>'],
    ["text outside the root", "<a/>text"],
    ["nothing", ""],
    ["nesting past the cap", `${"<a>".repeat(100)}${"</a>".repeat(100)}`],
  ])("refuses %s", (_name, text) => {
    expect(() => parseXml(text)).toThrow(XmlError);
  });

  test("serializeNodes keeps every namespace on the element that uses it", () => {
    const root = parseXml('<p xmlns:t="urn:t"><t:v xmlns:u="urn:u" u:at="1">x &amp; y<inner xmlns="urn:d"/></t:v></p>');
    const text = serializeNodes(root.children);
    expect(text).toBe('<x0:v xmlns:x0="urn:t" xmlns:x1="urn:u" x1:at="1">x &amp; y<x2:inner xmlns:x2="urn:d"/></x0:v>');
    expect(parseXml(`<r>${text}</r>`)).toEqual(
      parseXml(`<r>${serializeNodes(parseXml(`<r>${text}</r>`).children)}</r>`),
    );
  });
});

describe("parseIfHeader", () => {
  test("untagged and tagged lists, Not, state tokens and entity tags", () => {
    const lists = parseIfHeader(
      '<http://h/dav/a> (<urn:uuid:1> ["e1"]) (Not <DAV:no-lock>) <http://h/dav/b> (<urn:uuid:2>)',
    );
    expect(lists).toEqual([
      {
        resource: "http://h/dav/a",
        conditions: [
          { not: false, kind: "token", value: "urn:uuid:1" },
          { not: false, kind: "etag", value: '"e1"' },
        ],
      },
      { resource: "http://h/dav/a", conditions: [{ not: true, kind: "token", value: "DAV:no-lock" }] },
      { resource: "http://h/dav/b", conditions: [{ not: false, kind: "token", value: "urn:uuid:2" }] },
    ]);
    expect([...submittedTokens(lists)]).toEqual(["urn:uuid:1", "DAV:no-lock", "urn:uuid:2"]);
  });

  test.each(["", "(", "()", "(<urn:x>", "<urn:x>", "(bogus)", "(<urn:x>) junk"])("refuses %p", (header) => {
    expect(() => parseIfHeader(header)).toThrow();
  });
});
