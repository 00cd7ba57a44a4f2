import { afterAll, describe, expect, test } from "bun:test";
import nacl from "tweetnacl";
import { makeTestApp } from "../fixtures/harness";

/**
 * A public key of small order (the identity, the point of order 2, the all-zero encoding of
 * order 4, the points of order 8) or one that is not on the curve verifies signatures nobody
 * made: with the all-zero key, the signature R = identity, S = 0 passes one challenge in four.
 * An account with such a key could be signed into by anyone, so none is accepted.
 */
const t = makeTestApp();
afterAll(() => t.close());

const P = 2n ** 255n - 19n;
const encode = (y: bigint, sign = 0) => {
  const bytes = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  bytes[31] = (bytes[31] as number) | (sign << 7);
  return bytes.toString("base64");
};
const ORDER_8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";
const weak: Record<string, string> = {
  "all zero (order 4)": encode(0n),
  "identity (order 1)": encode(1n),
  "order 2": encode(P - 1n),
  "order 8": Buffer.from(ORDER_8, "hex").toString("base64"),
  "order 8, other sign": encode(BigInt(`0x${Buffer.from(ORDER_8, "hex").reverse().toString("hex")}`), 1),
  "identity, non-canonical (p + 1)": encode(P + 1n),
  "not on the curve": encode(2n),
};

describe("small-order and invalid Ed25519 public keys", () => {
  for (const [name, key] of Object.entries(weak)) {
    test(`${name}: refused at registration and by the admin`, async () => {
      const actor = `weak-${name.replace(/[^a-z0-9]+/g, "-")}`.slice(0, 64);
      const res = await t.request("POST", "/auth/register", { token: null, json: { actor, public_key: key } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain("public_key");
      const admin = await t.request("POST", "/admin/accounts", { json: { actor, public_key: key } });
      expect(admin.status).toBe(400);
    });
  }

  test("an account that holds such a key from before is never signed into with a forged signature", async () => {
    const reg = await t.request("POST", "/auth/register", {
      token: null,
      json: { actor: "zero-key", public_key: Buffer.from(nacl.sign.keyPair().publicKey).toString("base64") },
    });
    expect(reg.status).toBe(201);
    t.db.run(`UPDATE accounts SET public_key = '${weak["all zero (order 4)"]}' WHERE name = 'zero-key'`);
    // R = the identity, S = 0: [S]B - [k]A is the identity whenever 4 divides k, one nonce in four.
    const forged = Buffer.concat([Buffer.from([1]), Buffer.alloc(63)]).toString("base64");
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const ch = await t.request("POST", "/auth/challenge", { token: null, json: { actor: "zero-key" } });
      const { challenge_id } = (await ch.json()) as { challenge_id: string };
      const res = await t.request("POST", "/auth/verify", {
        token: null,
        json: { challenge_id, actor: "zero-key", signature: forged },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(24).fill(401));
  });
});
