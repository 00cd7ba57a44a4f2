import { describe, expect, test } from "bun:test";
import { ifNoneMatchHits, ifRangeAllows, parseRange, type RangeOutcome } from "../../src/http/ranges";
import { contentDisposition } from "../../src/lib/content-disposition";
import { quoteEtag, unquoteEtag } from "../../src/lib/etag";

const part = (start: number, end: number): RangeOutcome => ({ kind: "partial", range: { start, end } });
const FULL: RangeOutcome = { kind: "full" };
const BAD: RangeOutcome = { kind: "unsatisfiable" };

describe("parseRange (object of 100 bytes)", () => {
  const table: [string | null, RangeOutcome][] = [
    [null, FULL],
    ["", FULL],
    ["bytes=0-0", part(0, 0)],
    ["bytes=99-99", part(99, 99)],
    ["bytes=10-19", part(10, 19)],
    ["bytes=0-99", part(0, 99)],
    ["bytes=0-1000", part(0, 99)],
    ["bytes=90-", part(90, 99)],
    ["bytes=-10", part(90, 99)],
    ["bytes=-1000", part(0, 99)],
    ["BYTES = 5 - 6", part(5, 6)],
    ["bytes=100-", BAD],
    ["bytes=100-200", BAD],
    ["bytes=20-10", BAD],
    ["bytes=-0", BAD],
    ["bytes=99999999999999999999999-", BAD],
    ["bytes=0-1,5-6", FULL],
    ["items=0-1", FULL],
    ["bytes=abc", FULL],
    ["bytes=-", FULL],
    ["bytes=1.5-2", FULL],
  ];
  for (const [header, expected] of table) {
    test(`${JSON.stringify(header)} → ${expected.kind}`, () => expect(parseRange(header, 100)).toEqual(expected));
  }
  test("an empty object satisfies no range", () => {
    expect(parseRange("bytes=0-", 0)).toEqual(BAD);
    expect(parseRange("bytes=-5", 0)).toEqual(BAD);
  });
});

describe("conditional headers", () => {
  test("If-None-Match uses weak comparison and accepts lists and *", () => {
    expect(ifNoneMatchHits('"abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits('W/"abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits('"x", "abc"', "abc")).toBe(true);
    expect(ifNoneMatchHits("*", "abc")).toBe(true);
    expect(ifNoneMatchHits('"abd"', "abc")).toBe(false);
    expect(ifNoneMatchHits("abc", "abc")).toBe(false);
    expect(ifNoneMatchHits(null, "abc")).toBe(false);
  });
  test("If-Range honours the range only for the current strong etag", () => {
    expect(ifRangeAllows(null, "abc")).toBe(true);
    expect(ifRangeAllows('"abc"', "abc")).toBe(true);
    expect(ifRangeAllows('W/"abc"', "abc")).toBe(false);
    expect(ifRangeAllows('"old"', "abc")).toBe(false);
    expect(ifRangeAllows("Wed, 21 Oct 2015 07:28:00 GMT", "abc")).toBe(false);
  });
});

describe("contentDisposition", () => {
  test("ASCII fallback plus exact UTF-8 name", () => {
    expect(contentDisposition("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('naïve "q" (1).txt')).toBe(
      `attachment; filename="na_ve _q_ (1).txt"; filename*=UTF-8''na%C3%AFve%20%22q%22%20%281%29.txt`,
    );
    expect(contentDisposition("a\r\nb")).not.toMatch(/[\r\n]/);
  });

  test("plain names are spelled as the general rule spells them", () => {
    const general = (name: string) => {
      const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "download";
      const encoded = encodeURIComponent(name).replace(
        /['()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
      return `inline; filename="${fallback}"; filename*=UTF-8''${encoded}`;
    };
    for (const name of ["a", "report.pdf", "A-b_c.9", "...", "-", "_x_", "a b", "a'b", "a%b", "ä", "a*b", "", 'a"b']) {
      expect(contentDisposition(name, "inline")).toBe(general(name));
    }
  });
});

describe("quoteEtag / unquoteEtag", () => {
  test("stored etags are quoted as they are; quoted and weak ones are stripped first", () => {
    expect(quoteEtag("abc123")).toBe('"abc123"');
    expect(quoteEtag('"abc123"')).toBe('"abc123"');
    expect(quoteEtag('W/"abc123"')).toBe('"abc123"');
    expect(unquoteEtag("W/abc")).toBe("abc");
    expect(unquoteEtag('a"b')).toBe('a"b');
    expect(unquoteEtag('"a"b"')).toBe('a"b');
    expect(unquoteEtag("")).toBe("");
    expect(unquoteEtag(undefined)).toBe("");
  });
});
