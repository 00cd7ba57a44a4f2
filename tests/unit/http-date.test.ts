import { describe, expect, test } from "bun:test";
import { httpDate } from "../../src/lib/http-date";

describe("httpDate", () => {
  test("writes a time as Date's HTTP form does, to the whole second", () => {
    const edges = [0, 999, 1000, 1_764_612_633_512, 1_764_612_633_999, -1, -1500, 253_402_300_799_000];
    // Years before 1000 and after 9999 (Date writes those in its own way), and 1019.
    const odd = [Date.UTC(-1, 0, 1), Date.UTC(500, 5, 9), Date.UTC(1019, 4, 4), Date.UTC(10_000, 0, 1), 8.64e15];
    for (const ms of [...edges, ...odd]) {
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
      // Asked again, the same answer (now from the formatted seconds).
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
    }
    expect(httpDate(1_764_612_633_512)).toBe("Mon, 01 Dec 2025 18:10:33 GMT");
  });

  test("agrees with Date on every field across four centuries and leap days", () => {
    let seed = 11;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      // 1900 to 2300, at a random second.
      const ms = -2_208_988_800_000 + Math.floor((seed / 2_147_483_648) * 12_622_780_800) * 1000;
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
    }
    for (const day of ["2000-02-29", "2024-02-29", "2100-03-01", "1999-12-31T23:59:59Z"]) {
      expect(httpDate(Date.parse(day))).toBe(new Date(Date.parse(day)).toUTCString());
    }
  });

  test("stays right past the number of seconds it keeps", () => {
    const base = 1_700_000_000_000;
    for (let i = 0; i < 10_000; i++) expect(httpDate(base + i * 1_234)).toBe(new Date(base + i * 1_234).toUTCString());
  });
});
