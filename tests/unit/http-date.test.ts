import { describe, expect, test } from "bun:test";
import { httpDate } from "../../src/lib/http-date";

describe("httpDate", () => {
  test("writes a time as Date's HTTP form does, to the whole second", () => {
    for (const ms of [0, 999, 1000, 1_764_612_633_512, 1_764_612_633_999, -1, -1500, 253_402_300_799_000]) {
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
      // Asked again, the same answer (now from the formatted seconds).
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
    }
    expect(httpDate(1_764_612_633_512)).toBe("Mon, 01 Dec 2025 18:10:33 GMT");
  });

  test("stays right past the number of seconds it keeps", () => {
    const base = 1_700_000_000_000;
    for (let i = 0; i < 10_000; i++) expect(httpDate(base + i * 1_234)).toBe(new Date(base + i * 1_234).toUTCString());
  });
});
