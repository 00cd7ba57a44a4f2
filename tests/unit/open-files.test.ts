import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenFiles } from "../../src/storage/blob/open-files";

// Small stored files read through descriptors kept open, and never a file's old bytes.
describe("OpenFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-open-files-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const descriptors = () => readdirSync("/proc/self/fd").length;
  let n = 0;
  const file = (bytes: Uint8Array, path = join(dir, `f${n++}`)) => {
    writeFileSync(path, bytes);
    return path;
  };
  const bytes = (size: number) => crypto.getRandomValues(new Uint8Array(size));

  test("a file read again is read through the descriptor kept the first time", () => {
    const files = new OpenFiles(8);
    const content = bytes(4096);
    const path = file(content);
    const before = descriptors();
    expect(files.readExactly(path, 4096)).toEqual(content);
    expect(descriptors()).toBe(before + 1);
    for (let i = 0; i < 5; i++) expect(files.readExactly(path, 4096)).toEqual(content);
    expect(descriptors()).toBe(before + 1);
    files.close();
    expect(descriptors()).toBe(before);
  });

  test("missing is null, another size is undefined, and neither keeps a descriptor", () => {
    const files = new OpenFiles(8);
    const path = file(bytes(100));
    const before = descriptors();
    expect(files.readExactly(join(dir, "none"), 10)).toBeNull();
    for (const size of [0, 99, 101]) expect(files.readExactly(path, size)).toBeUndefined();
    expect(files.size).toBe(0);
    expect(descriptors()).toBe(before);
    // Kept, then the metadata expects another size: the descriptor goes.
    expect(files.readExactly(path, 100)).toHaveLength(100);
    expect(files.readExactly(path, 7)).toBeUndefined();
    expect(files.size).toBe(0);
    expect(descriptors()).toBe(before);
  });

  test("a file deleted or replaced behind its back is read as it is now", () => {
    const files = new OpenFiles(8);
    const first = bytes(512);
    const path = file(first);
    expect(files.readExactly(path, 512)).toEqual(first);
    // Replaced by a rename, as every write is: the kept descriptor names the old file.
    const second = bytes(512);
    renameSync(file(second), path);
    expect(files.readExactly(path, 512)).toEqual(second);
    unlinkSync(path);
    const before = descriptors();
    expect(files.readExactly(path, 512)).toBeNull();
    expect(files.size).toBe(0);
    expect(descriptors()).toBe(before - 1);
  });

  test("forget closes a path's descriptor; at capacity the least recently read one is closed", () => {
    const files = new OpenFiles(2);
    const paths = [file(bytes(10)), file(bytes(10)), file(bytes(10))];
    const before = descriptors();
    files.readExactly(paths[0] as string, 10);
    files.readExactly(paths[1] as string, 10);
    files.readExactly(paths[0] as string, 10); // paths[1] is now the least recent
    files.readExactly(paths[2] as string, 10);
    expect(files.size).toBe(2);
    expect(descriptors()).toBe(before + 2);
    files.forget(paths[0] as string);
    files.forget(paths[1] as string); // not kept: nothing to do
    expect(files.size).toBe(1);
    expect(descriptors()).toBe(before + 1);
    files.close();
    expect(descriptors()).toBe(before);
  });

  test("a file read again answers with the bytes read the first time, while it is still named", () => {
    const files = new OpenFiles(8);
    const path = file(bytes(256));
    const first = files.readExactly(path, 256);
    expect(files.readExactly(path, 256)).toBe(first as Uint8Array<ArrayBuffer>);
    // Replaced by a rename: the next read reads the new file.
    const next = bytes(256);
    renameSync(file(next), path);
    const second = files.readExactly(path, 256);
    expect(second).not.toBe(first as Uint8Array<ArrayBuffer>);
    expect(second).toEqual(next);
  });

  test("the bytes kept stay within their bound, and a file larger than it is not kept", () => {
    const files = new OpenFiles(8, 100);
    const before = descriptors();
    const paths = [file(bytes(40)), file(bytes(40)), file(bytes(40))];
    for (const path of paths) expect(files.readExactly(path, 40)).toHaveLength(40);
    expect(files.size).toBe(2);
    expect(descriptors()).toBe(before + 2);
    // The least recently read went: the other two are still kept.
    expect(files.readExactly(paths[1] as string, 40)).toHaveLength(40);
    expect(files.size).toBe(2);
    expect(files.readExactly(file(bytes(101)), 101)).toHaveLength(101);
    expect(files.size).toBe(2);
    expect(descriptors()).toBe(before + 2);
    files.close();
    expect(descriptors()).toBe(before);
  });

  test("out of descriptors, it closes the kept ones instead of failing the read", () => {
    const paths = Array.from({ length: 100 }, () => file(bytes(16)));
    const list = join(dir, "paths.json");
    writeFileSync(list, JSON.stringify(paths));
    const script = join(dir, "run.ts");
    const module = join(import.meta.dir, "../../src/storage/blob/open-files.ts");
    writeFileSync(
      script,
      `import { OpenFiles } from ${JSON.stringify(module)};
       const paths = JSON.parse(await Bun.file(${JSON.stringify(list)}).text());
       const files = new OpenFiles(1000);
       for (let round = 0; round < 3; round++) for (const p of paths) if (files.readExactly(p, 16)?.length !== 16) throw new Error("read " + p);
       console.log("kept", files.size);`,
    );
    // A process that may open 64 files: far fewer than the 1,000 it is told to keep.
    const run = Bun.spawnSync(["bash", "-c", `ulimit -n 64 && exec "${process.execPath}" run "${script}"`]);
    expect(run.stderr.toString()).toBe("");
    expect(run.exitCode).toBe(0);
    const kept = Number(/kept (\d+)/.exec(run.stdout.toString())?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(64);
  });

  test("keeps at most a quarter of the descriptors the process may open", () => {
    expect(new OpenFiles().capacity).toBeGreaterThan(0);
    expect(new OpenFiles().capacity).toBeLessThanOrEqual(4096);
    const run = Bun.spawnSync([
      "bash",
      "-c",
      `ulimit -n 200 && exec "${process.execPath}" -e 'import { OpenFiles } from ${JSON.stringify(join(import.meta.dir, "../../src/storage/blob/open-files.ts"))}; console.log(new OpenFiles().capacity)'`,
    ]);
    expect(run.stdout.toString().trim()).toBe("50");
  });
});
