import { describe, expect, test } from "bun:test";
import {
  ancestorsOf,
  decodeUrlPath,
  isFolderPath,
  MAX_PATH_BYTES,
  nameOf,
  normalizePath,
  normalizePrefix,
  PathError,
  parentOf,
} from "../../src/domain/paths";

describe("normalizePath", () => {
  test.each([
    ["a.txt", "a.txt"],
    ["docs/report.pdf", "docs/report.pdf"],
    ["docs/", "docs/"],
    ["a/b/c/", "a/b/c/"],
    [".env", ".env"],
    ["..a/b..", "..a/b.."],
    ["a b/ c .txt", "a b/ c .txt"],
    ["e\u0301.txt", "\u00e9.txt"],
    ["\u00e9.txt", "\u00e9.txt"],
    ["📁/🎉", "📁/🎉"],
    ["x".repeat(MAX_PATH_BYTES), "x".repeat(MAX_PATH_BYTES)],
    ["x".repeat(MAX_PATH_BYTES - 2) + "\u00e9", "x".repeat(MAX_PATH_BYTES - 2) + "\u00e9"],
  ])("%j → %j", (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });

  test.each([
    ["empty", ""],
    ["..", ".."],
    [".", "."],
    ["leading ..", "../a"],
    ["inner ..", "a/../b"],
    ["trailing ..", "a/.."],
    ["inner .", "a/./b"],
    ["folder ..", "../"],
    ["empty segment", "a//b"],
    ["only a slash", "/"],
    ["two slashes", "//"],
    ["leading slash", "/a"],
    ["leading slash, not ASCII", "/\u00e9"],
    ["1025 bytes, one character not ASCII", "x".repeat(MAX_PATH_BYTES - 1) + "\u00e9"],
    ["NUL", "a\u0000b"],
    ["SOH", "\u0001"],
    ["tab", "a\tb"],
    ["newline", "a\nb"],
    ["DEL", "a\u007f"],
    ["C1 control", "a\u009fb"],
    ["lone high surrogate", "a\ud800b"],
    ["lone low surrogate", "\udc00"],
    ["1025 ASCII bytes", "x".repeat(MAX_PATH_BYTES + 1)],
    ["over 1024 bytes in fewer characters", "é".repeat(513)],
    ["5 KB", "y".repeat(5120)],
  ])("%s → PathError", (_name, input) => {
    expect(() => normalizePath(input)).toThrow(PathError);
  });

  test.each([[null], [undefined], [5], [{}], [["a"]], [true]])("non-string %j → PathError", (input) => {
    expect(() => normalizePath(input)).toThrow(PathError);
  });

  test("NFC is applied before the byte limit: a decomposed name that fits once composed is allowed", () => {
    const decomposed = "e\u0301".repeat(400); // 1200 bytes NFD, 800 bytes NFC
    expect(new TextEncoder().encode(decomposed).byteLength).toBeGreaterThan(MAX_PATH_BYTES);
    expect(normalizePath(decomposed)).toBe("\u00e9".repeat(400));
  });

  test("expect: file refuses a folder path, folder refuses a file path", () => {
    expect(() => normalizePath("a/", "file")).toThrow(PathError);
    expect(() => normalizePath("a", "folder")).toThrow(PathError);
    expect(normalizePath("a", "file")).toBe("a");
    expect(normalizePath("a/", "folder")).toBe("a/");
  });
});

describe("normalizePrefix", () => {
  test.each([
    [undefined, ""],
    [null, ""],
    ["", ""],
    ["docs/", "docs/"],
    ["docs/rep", "docs/rep"],
    ["docs/.", "docs/."], // names starting with "."
    ["cafe\u0301/", "caf\u00e9/"],
  ])("%j → %j", (input, expected) => {
    expect(normalizePrefix(input)).toBe(expected);
  });

  test.each([
    ["..", ".."],
    ["../", "../"],
    ["a/../", "a/../"],
    ["./a", "./a"],
    ["a//", "a//"],
    ["/a", "/a"],
    ["NUL", "a\u0000"],
    ["lone surrogate", "\ud800"],
    ["too long", "x".repeat(MAX_PATH_BYTES + 1)],
    ["number", 5],
  ])("%s → PathError", (_name, input) => {
    expect(() => normalizePrefix(input)).toThrow(PathError);
  });
});

describe("decodeUrlPath", () => {
  test.each([
    ["a%20b", "a b"],
    ["caf%C3%A9", "café"],
    ["a%2Fb", "a/b"],
    ["100%25", "100%"],
  ])("%j → %j", (input, expected) => {
    expect(decodeUrlPath(input)).toBe(expected);
  });

  test.each(["%C3%28", "%FF", "%E9", "%", "%zz", "%ED%A0%80"])("%j → PathError", (input) => {
    expect(() => decodeUrlPath(input)).toThrow(PathError);
  });
});

describe("path helpers", () => {
  test.each([
    ["a.txt", "", "a.txt", false, []],
    ["a/b.txt", "a/", "b.txt", false, ["a/"]],
    ["a/b/c.txt", "a/b/", "c.txt", false, ["a/", "a/b/"]],
    ["a/", "", "a", true, []],
    ["a/b/", "a/", "b", true, ["a/"]],
  ])("%j: parent %j, name %j, folder %j, ancestors %j", (path, parent, name, folder, ancestors) => {
    expect(parentOf(path)).toBe(parent);
    expect(nameOf(path)).toBe(name);
    expect(isFolderPath(path)).toBe(folder);
    expect(ancestorsOf(path)).toEqual(ancestors);
  });
});
