import { expect, test } from "bun:test";
import { ConfigSchema } from "../../src/config";
import { unknownKeys } from "../../src/lib/unknown-keys";

test("names misspelt keys at any depth of config.json, and nothing else", () => {
  const raw = {
    authorization: { token: "lightd_x", enabeld: false },
    srever: {},
    server: { port: 1, public_url: "https://x.example" },
    storage: { backend: "s3", s3: { endpoint: "http://s3", bucket: "b", bucekt: "c" } },
    rate_limits: { register: { burst: 1, per_minut: 2 } },
  };
  expect(unknownKeys(ConfigSchema, raw)).toEqual([
    "authorization.enabeld",
    "srever",
    "storage.s3.bucekt",
    "rate_limits.register.per_minut",
  ]);
});

test("a config with only known keys has none", () => {
  expect(unknownKeys(ConfigSchema, { authorization: { token: "lightd_x" }, server: {}, smtp: { host: "h" } })).toEqual(
    [],
  );
});
