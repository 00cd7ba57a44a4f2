import { describe, expect, test } from "bun:test";
import { AppError } from "../../src/errors";
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonBody } from "../../src/http/json-body";

describe("jsonDepthExceeds", () => {
  test.each([
    ["{}", 1, false],
    ['{"a":[1,[2]]}', 3, false],
    ['{"a":[1,[2]]}', 2, true],
    ['{"a":"[[[[[[[[["}', 1, false],
    ['{"a":"\\"[[[[["}', 1, false],
    ['["\\\\",[[]]]', 3, false],
    ['["\\\\",[[]]]', 2, true],
  ] as const)("%s with limit %d → %p", (text, limit, exceeds) => {
    expect(jsonDepthExceeds(text, limit)).toBe(exceeds);
  });
});

describe("parseJsonBody", () => {
  test("parses ordinary JSON and treats an empty body as absent", () => {
    expect(parseJsonBody('{"path":"a/b.txt","parts":[{"part_number":1}]}')).toEqual({
      path: "a/b.txt",
      parts: [{ part_number: 1 }],
    });
    expect(parseJsonBody("  ")).toBeUndefined();
  });

  test("refuses nesting past the limit and malformed JSON with 400", () => {
    for (const text of ["[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1), '{"a":', "[1,]"]) {
      let caught: unknown;
      try {
        parseJsonBody(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(400);
    }
  });
});
