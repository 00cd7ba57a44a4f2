import { afterAll, expect, test } from "bun:test";
import { setAddressSource } from "../../src/http/client-ip";
import { makeTestApp } from "../fixtures/harness";

// HEAD is answered by running the GET route on a new Request; the bad-token throttle must
// still see the client behind it, or HEAD would be a way around the per-IP limit.
const t = makeTestApp({ config: { rate_limits: { auth_failures: { burst: 3, per_minute: 1 } } } });
afterAll(() => t.close());

const from = (address: string, method: string) => {
  const request = new Request("http://localhost/files/a.txt", {
    method,
    headers: { authorization: "Bearer lightd_not_a_real_token_0000000000" },
  });
  setAddressSource(request, { requestIP: () => ({ address }) });
  return request;
};

test("wrong tokens sent with HEAD are throttled per client address like GET", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await t.handle(from("203.0.113.9", "HEAD"))).status);
  expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
  expect(statuses.slice(3)).toEqual([429, 429, 429]);
  // Another address is not affected.
  expect((await t.handle(from("203.0.113.10", "HEAD"))).status).toBe(401);
});
