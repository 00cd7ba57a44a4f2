import { expect, test } from "bun:test";
import { parseConfig } from "../../src/config";

/** `metadata`: SQLite by default with nothing to set; Postgres named explicitly, its URL checked at start. */

const base = {
  authorization: { token: "lightd_config_metadata_test_0123456789" },
  signing_secret: "config-metadata-test-signing-secret-0123456789",
};
const parse = (metadata: unknown) => parseConfig({ ...base, metadata }, "config.json");

test("without a metadata section the engine is the embedded SQLite", () => {
  const config = parseConfig(base, "config.json");
  expect(config.metadata).toEqual({ engine: "sqlite", max_connections: 10 });
});

test("postgres with a URL, or with none (the PG* variables), is accepted", () => {
  const url = "postgres://lightd:secret@db.internal:5432/lightd";
  expect(parse({ engine: "postgres", url }).metadata).toEqual({ engine: "postgres", url, max_connections: 10 });
  expect(parse({ engine: "postgres", url: "postgresql://db/lightd" }).metadata.engine).toBe("postgres");
  expect(parse({ engine: "postgres", max_connections: 40 }).metadata).toEqual({
    engine: "postgres",
    max_connections: 40,
  });
});

test.each([
  [{ engine: "mysql" }, 'metadata.engine: must be one of "sqlite", "postgres"'],
  [{ engine: "postgres", url: "mysql://db/lightd" }, "metadata.url"],
  [{ engine: "postgres", url: "" }, "metadata.url"],
  [{ engine: "postgres", max_connections: 0 }, "metadata.max_connections"],
  [{ engine: "postgres", max_connections: 1.5 }, "metadata.max_connections"],
  [{ url: "postgres://db/lightd" }, 'metadata.url: only used when metadata.engine is "postgres"'],
  ["postgres", "metadata"],
])("%j is refused, naming the field", (metadata, message) => {
  expect(() => parse(metadata)).toThrow(message);
});

test("a refused URL is not echoed back (it may hold a password)", () => {
  let message = "";
  try {
    parse({ engine: "postgres", url: "mysql://admin:hunter2@db/lightd" });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain("metadata.url");
  expect(message).not.toContain("hunter2");
});
