import { describe, expect, test } from "bun:test";
import { requireAccess } from "../../src/domain/access";
import { AppError } from "../../src/domain/errors";
import { parseKeyPrefix, parsePath } from "../../src/domain/paths";
import { powerOf, powerWithin } from "../../src/domain/power";
import { ACCOUNT_SCOPES, isAdmin, type Principal, SCOPES } from "../../src/domain/principal";

const principal = (over: Partial<Principal> = {}): Principal => ({
  accountId: 1,
  actor: "admin",
  source: "token",
  credentialId: "c1",
  space: "live",
  scopes: new Set(SCOPES),
  prefix: "",
  ownSignIn: false,
  expiresAt: null,
  ...over,
});

function errorOf(run: () => unknown): { code: string; message: string } | null {
  try {
    run();
    return null;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe("powerOf: owner ∩ scopes ∩ prefix ∩ space", () => {
  test("NULL scopes follow the owner; the admin scope only for the admin account", () => {
    expect([...powerOf({ account_id: 1, kind: "live", scopes: null, prefix: "" }).scopes]).toEqual([...SCOPES]);
    expect([...powerOf({ account_id: 2, kind: "live", scopes: null, prefix: "" }).scopes]).toEqual([...ACCOUNT_SCOPES]);
    expect([...powerOf({ account_id: 2, kind: "tok", scopes: "admin files:read", prefix: "" }).scopes]).toEqual([
      "files:read",
    ]);
  });

  test("only test keys reach the test space", () => {
    expect(powerOf({ account_id: 2, kind: "test", scopes: null, prefix: "a/" })).toMatchObject({
      space: "test",
      prefix: "a/",
    });
    for (const kind of ["live", "tok", "ses", "oat"] as const) {
      expect(powerOf({ account_id: 2, kind, scopes: null, prefix: "" }).space).toBe("live");
    }
  });

  test("a test credential never reaches a live key; a prefix only narrows", () => {
    const test = powerOf({ account_id: 2, kind: "test", scopes: null, prefix: "" });
    const live = powerOf({ account_id: 2, kind: "live", scopes: null, prefix: "" });
    expect(powerWithin(live, test)).toBe(false);
    expect(powerWithin(test, live)).toBe(true);
    expect(powerWithin({ ...live, prefix: "a/" }, live)).toBe(true);
    expect(powerWithin(live, { ...live, prefix: "a/" })).toBe(false);
  });
});

describe("admin is one rule", () => {
  test("the admin account, with the admin scope, live, unrestricted", () => {
    expect(isAdmin(principal())).toBe(true);
    expect(isAdmin(principal({ prefix: "docs/" }))).toBe(false);
    expect(isAdmin(principal({ space: "test" }))).toBe(false);
    expect(isAdmin(principal({ scopes: new Set(ACCOUNT_SCOPES) }))).toBe(false);
    expect(isAdmin(principal({ accountId: 2 }))).toBe(false);
  });

  test("requireAccess answers 403 naming what is missing", () => {
    expect(errorOf(() => requireAccess(principal({ prefix: "docs/" }), "admin"))).toEqual({
      code: "forbidden",
      message: "Only the admin may manage accounts",
    });
    expect(errorOf(() => requireAccess(principal(), "master"))?.message).toBe("Only the master token may do this");
    expect(errorOf(() => requireAccess(principal({ source: "master" }), "master"))).toBeNull();
    expect(errorOf(() => requireAccess(principal({ scopes: new Set() }), "files:read"))?.message).toBe(
      "Missing scope 'files:read'",
    );
  });

  test("own-sign-in: only the person's own sign-in, whatever its power", () => {
    expect(errorOf(() => requireAccess(principal({ source: "oauth" }), "own-sign-in"))?.code).toBe("forbidden");
    expect(errorOf(() => requireAccess(principal({ source: "master" }), "own-sign-in"))?.code).toBe("forbidden");
    expect(errorOf(() => requireAccess(principal({ source: "session", ownSignIn: true }), "own-sign-in"))).toBeNull();
  });
});

describe("one syntax for paths and key prefixes", () => {
  test("a key prefix is a folder path", () => {
    expect(parseKeyPrefix("/docs")).toBe("docs/");
    expect(parseKeyPrefix("docs/2024/")).toBe("docs/2024/");
    expect(parseKeyPrefix("")).toBe("");
    expect(parseKeyPrefix("e\u0301")).toBe("\u00e9/");
  });

  test.each([
    ["C0", "docs\u0001"],
    ["DEL", "docs\u007f"],
    ["C1 (refused for paths, so for prefixes too)", "docs\u0085"],
    ["..", "docs/../etc"],
    ["empty segment", "docs//x"],
    ["too long", "a".repeat(1024)],
  ])("%s is refused in a key prefix and in a path alike", (_name, text) => {
    expect(errorOf(() => parseKeyPrefix(text))?.code).toBe("bad_request");
    expect(errorOf(() => parsePath(`${text}/`))?.code).toBe("bad_request");
  });
});
