import { describe, expect, test } from "bun:test";
import { ifMatchHolds, ifNoneMatchHolds, parseTagCondition } from "../../src/lib/conditions";

describe("parseTagCondition", () => {
  test.each([
    ["*", "*"],
    [' "a" ', [{ weak: false, tag: "a" }]],
    ['W/"a"', [{ weak: true, tag: "a" }]],
    [
      '"a", W/"b" ,"c"',
      [
        { weak: false, tag: "a" },
        { weak: true, tag: "b" },
        { weak: false, tag: "c" },
      ],
    ],
    ['""', [{ weak: false, tag: "" }]],
  ])("%s", (header, expected) => {
    expect(parseTagCondition(header)).toEqual(expected as ReturnType<typeof parseTagCondition>);
  });

  test.each(["", "a", '"a', 'w/"a"', '"a" "b"', '"a"b', ",", '*, "a"', '"a\\"b"'])("%p is refused", (header) => {
    expect(() => parseTagCondition(header)).toThrow();
  });
});

describe("evaluation (RFC 9110 §13.1.1, §13.1.2)", () => {
  const file = { etag: "e1" };
  const folder = { etag: null };
  test("If-Match: strong comparison, needs an existing target", () => {
    expect(ifMatchHolds(undefined, null)).toBe(true);
    expect(ifMatchHolds("*", file)).toBe(true);
    expect(ifMatchHolds("*", null)).toBe(false);
    expect(ifMatchHolds([{ weak: false, tag: "e1" }], file)).toBe(true);
    expect(ifMatchHolds([{ weak: true, tag: "e1" }], file)).toBe(false);
    expect(ifMatchHolds([{ weak: false, tag: "e2" }], file)).toBe(false);
    expect(ifMatchHolds([{ weak: false, tag: "e1" }], folder)).toBe(false);
  });
  test("If-None-Match: weak comparison; * means the target must not exist", () => {
    expect(ifNoneMatchHolds("*", null)).toBe(true);
    expect(ifNoneMatchHolds("*", file)).toBe(false);
    expect(ifNoneMatchHolds("*", folder)).toBe(false);
    expect(ifNoneMatchHolds([{ weak: true, tag: "e1" }], file)).toBe(false);
    expect(ifNoneMatchHolds([{ weak: false, tag: "e2" }], file)).toBe(true);
    expect(ifNoneMatchHolds([{ weak: false, tag: "e1" }], null)).toBe(true);
  });
});
