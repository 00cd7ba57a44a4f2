import { describe, expect, test } from "bun:test";
import { changedPaths, changeTouches, formatBytes, OUTSIDE } from "../../src/lib/format";

/** The one formatter the CLI, the dashboard and the shared-folder page print sizes and changes with. */
describe("formatBytes", () => {
  test.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [10 * 1024, "10 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
    [3 * 1024 ** 4, "3.0 TiB"],
    [2048 * 1024 ** 4, "2048 TiB"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("a change event's paths, redacted ends included", () => {
  test.each([
    [{ path: "a.txt" }, "a.txt"],
    [{ path: "a.txt", dest: "b.txt" }, "a.txt → b.txt"],
    [{ path: null, dest: "inbox/a.txt" }, `${OUTSIDE} → inbox/a.txt`],
    [{ path: "inbox/a.txt", dest: null }, `inbox/a.txt → ${OUTSIDE}`],
  ])("%o → %s", (event, text) => {
    expect(changedPaths(event)).toBe(text);
  });

  test("a filter matches either end and never a hidden one", () => {
    expect(changeTouches({ path: null, dest: "inbox/a.txt" }, "inbox/")).toBe(true);
    expect(changeTouches({ path: null, dest: "inbox/a.txt" }, "other/")).toBe(false);
    expect(changeTouches({ path: "inbox/a.txt", dest: null }, "inbox/")).toBe(true);
    expect(changeTouches({ path: null, dest: null }, "inbox/")).toBe(false);
    expect(changeTouches({ path: null, dest: null }, "")).toBe(true);
  });
});
