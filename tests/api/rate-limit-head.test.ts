import { afterAll, expect, test } from "bun:test";
import { makeTestApp, peer } from "../fixtures/harness";

// HEAD is answered by running the GET route on a new Request; the bad-token throttle must
// still see the client behind it, or HEAD would be a way around the per-IP limit.
const t = makeTestApp({ config: { rate_limits: { auth_failures: { burst: 3, per_minute: 1 } } } });
afterAll(() => t.close());

const from = (address: string, method: string) =>
  t.handle(
    new Request("http://localhost/files/a.txt", {
      method,
      headers: { authorization: "Bearer lightd_not_a_real_token_0000000000" },
    }),
    peer(address),
  );

test("wrong tokens sent with HEAD are throttled per client address like GET", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await from("203.0.113.9", "HEAD")).status);
  expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
  expect(statuses.slice(3)).toEqual([429, 429, 429]);
  // Another address is not affected.
  expect((await from("203.0.113.10", "HEAD")).status).toBe(401);
});

// A JSON body without Content-Length is counted on a new Request (the body cap); it is the
// same request, so the per-IP limit of an anonymous endpoint still knows who sent it.
test("chunked JSON bodies to a per-IP limited endpoint are charged to the client address", async () => {
  const limited = makeTestApp({ config: { rate_limits: { register: { burst: 2, per_minute: 1 } } } });
  try {
    const register = (address: string) => {
      const body = new Blob([JSON.stringify({ public_key: "not-a-key" })]).stream();
      const request = new Request("http://localhost/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(request.headers.get("content-length")).toBeNull();
      return limited.handle(request, peer(address));
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await register("198.51.100.7")).status);
    // The body is refused (400) until the address's burst is spent; another address is not charged.
    expect(statuses).toEqual([400, 400, 429, 429]);
    expect((await register("198.51.100.8")).status).toBe(400);
  } finally {
    await limited.close();
  }
});
