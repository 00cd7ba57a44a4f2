import { expect, test } from "bun:test";
import { publicOriginOf } from "../../src/http/links";

const direct = { public_url: null, trust_proxy: false } as unknown as Parameters<typeof publicOriginOf>[1];
const origin = (url: string) => publicOriginOf(new Request(url), direct);

// The origin a request came in on, as the URL parser gives it, whatever came before.
test("the origin of each request's own URL, alternating hosts, ports and spellings", () => {
  const cases: [string, string][] = [
    ["http://a.example:8070/files/x", "http://a.example:8070"],
    ["http://a.example:8070/auth/me", "http://a.example:8070"],
    ["http://A.Example:80/files/x", "http://a.example"],
    ["http://a.example:8071/files/x", "http://a.example:8071"],
    ["http://a.example:80/files/x", "http://a.example"],
    ["http://[::1]:8070/files/x", "http://[::1]:8070"],
    ["http://127.0.0.1:8070/files/y", "http://127.0.0.1:8070"],
    ["https://a.example:443/files/x", "https://a.example"],
    ["http://a.example:8070/files/x", "http://a.example:8070"],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [url, expected] of cases) {
      expect(origin(url)).toBe(expected);
      expect(origin(url)).toBe(new URL(url).origin);
    }
  }
});

test("a configured public_url wins", () => {
  const server = { public_url: "https://files.example.com", trust_proxy: false } as unknown as typeof direct;
  expect(publicOriginOf(new Request("http://a.example:8070/x"), server)).toBe("https://files.example.com");
});
