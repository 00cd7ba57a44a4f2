/**
 * The other servers the small-files benchmark runs the same workload against, each started
 * by the benchmark itself (never part of the product): nginx's WebDAV module (Debian's
 * nginx, installed here when missing) and Ceph RGW through presigned S3 URLs (the RGW of
 * tests/fixtures/rgw.ts). Either one that cannot run is reported with its reason instead.
 */
import { join } from "node:path";
import { S3BlobStore } from "../../src/storage/blob/s3";
import { createTestBucket, ensureRgw, s3Settings } from "../../tests/fixtures/rgw";
import type { RunningServer } from "./server";
import { ensureBaselinePackages, startWebdavNginx } from "./webdav-nginx";

/** One server under the small-file load: PUT a file of a client, GET one back. */
export interface PeerTarget {
  name: string;
  /** How the server stores a PUT, printed under the table. */
  note: string;
  put: (client: number, n: number, body: Uint8Array<ArrayBuffer>) => Promise<Response>;
  get: (client: number, n: number) => Promise<Response>;
  stop: () => Promise<void>;
}

export type Peer = { target: PeerTarget; skipped?: undefined } | { target?: undefined; skipped: string };

export async function nginxWebdav(dir: string): Promise<Peer> {
  const missing = await ensureBaselinePackages();
  if (missing) return { skipped: `nginx WebDAV: ${missing}` };
  let server: RunningServer;
  try {
    server = await startWebdavNginx(dir, join(dir, "nginx-root"));
  } catch (error) {
    return { skipped: `nginx WebDAV: ${String(error)}` };
  }
  const url = `http://127.0.0.1:${server.port}`;
  return {
    target: {
      name: "nginx WebDAV",
      note: "nginx WebDAV (one worker) = PUT → temp file + rename, no fsync; GET → sendfile",
      put: (client, n, body) => fetch(`${url}/c${client}/f${n}.bin`, { method: "PUT", body }),
      get: (client, n) => fetch(`${url}/c${client}/f${n}.bin`),
      stop: () => server.stop(),
    },
  };
}

export async function cephRgw(): Promise<Peer> {
  const rgw = await ensureRgw();
  if (!rgw.env) return { skipped: `Ceph RGW: ${rgw.skip}` };
  const bucket = await createTestBucket(rgw.env, "lightd-bench-small");
  const store = new S3BlobStore(s3Settings(rgw.env, bucket.name, { key_prefix: "small/" }));
  const sign = (client: number, n: number, method: "PUT" | "GET") =>
    store.signedUrl(`c${client}f${n}`, { method, expiresIn: 600, baseUrl: "" });
  return {
    target: {
      name: "Ceph RGW presigned S3",
      note: "Ceph RGW = the test fixture's one-OSD cluster (memstore: bytes in RAM); URLs presigned per request, as lightd's S3 backend hands them out",
      put: async (client, n, body) => fetch(await sign(client, n, "PUT"), { method: "PUT", body }),
      get: async (client, n) => fetch(await sign(client, n, "GET")),
      stop: () => bucket.destroy(),
    },
  };
}
