import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localBody as bodyWith, READ_AT_ONCE_BYTES } from "../../src/storage/blob/local-body";
import { OpenFiles } from "../../src/storage/blob/open-files";

// What a download of a local object sends: small files as their bytes, the rest as the file.
describe("localBody", () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-local-body-"));
  const open = new OpenFiles();
  const localBody = (path: string, expected: number) => bodyWith(path, expected, open);
  afterAll(() => {
    open.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, size: number) => {
    const bytes = crypto.getRandomValues(new Uint8Array(size));
    writeFileSync(join(dir, name), bytes);
    return { path: join(dir, name), bytes };
  };
  const bytesOf = async (body: Uint8Array | Blob) =>
    body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : body;

  test("a missing file is null, whatever size the metadata expects", () => {
    expect(localBody(join(dir, "none"), 4096)).toBeNull();
    expect(localBody(join(dir, "none"), 0)).toBeNull();
    expect(localBody(join(dir, "none"), READ_AT_ONCE_BYTES + 1)).toBeNull();
  });

  test("a small file of the expected size is sent as its bytes; an empty one too", async () => {
    for (const size of [0, 1, 4096, READ_AT_ONCE_BYTES]) {
      const { path, bytes } = file(`small-${size}`, size);
      const got = localBody(path, size);
      expect(got?.size).toBe(size);
      expect(got?.body).toBeInstanceOf(Uint8Array);
      expect(await bytesOf(got?.body as Uint8Array)).toEqual(bytes);
    }
  });

  test("a larger file is sent as the file, its size read from the disk", async () => {
    const size = READ_AT_ONCE_BYTES + 1;
    const { path, bytes } = file("large", size);
    const got = localBody(path, size);
    expect(got?.size).toBe(size);
    expect(got?.body).toBeInstanceOf(Blob);
    expect(await bytesOf(got?.body as Blob)).toEqual(bytes);
  });

  test("a file whose size differs from the metadata's is sent as the file, with the size it has", async () => {
    const { path, bytes } = file("longer", 100);
    for (const expected of [0, 10, 99, 101, READ_AT_ONCE_BYTES + 5]) {
      const got = localBody(path, expected);
      expect(got?.size).toBe(100);
      expect(got?.body).toBeInstanceOf(Blob);
      expect(await bytesOf(got?.body as Blob)).toEqual(bytes);
    }
    const empty = file("empty", 0);
    expect(localBody(empty.path, 7)).toEqual({ size: 0, body: expect.any(Blob) });
  });
});
