import type { ByteReader } from "./byte-reader";
import { ArchiveError } from "./errors";
import { BLOCK, padding } from "./tar-writer";

/** Reads the archives TarWriter writes: regular files, pax records for long names and large sizes. */
const decoder = new TextDecoder();

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes; must be read to the end (or `skip` called) before the next entry. */
  body: AsyncGenerator<Uint8Array>;
}

function text(header: Uint8Array, offset: number, width: number): string {
  const field = header.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function number(header: Uint8Array, offset: number, width: number): number {
  const value = text(header, offset, width).trim();
  if (!/^[0-7]*$/.test(value)) throw new ArchiveError("damaged", "the archive is damaged (a tar header is not valid)");
  return value === "" ? 0 : Number.parseInt(value, 8);
}

function checkHeader(header: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  if (sum !== number(header, 148, 8) || text(header, 257, 6) !== "ustar") {
    throw new ArchiveError("damaged", "the archive is damaged or not a lightd backup (a tar header is not valid)");
  }
}

function parsePax(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const all = decoder.decode(bytes);
  for (const line of all.split("\n")) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match) records.set(match[1] as string, match[2] as string);
  }
  return records;
}

/** Yields each file of the archive in order; throws ArchiveError when it is cut off or damaged. */
export async function* readTar(reader: ByteReader): AsyncGenerator<TarEntry> {
  let pax = new Map<string, string>();
  for (;;) {
    const header = await reader.exact(BLOCK);
    if (header.every((byte) => byte === 0)) {
      await reader.exact(BLOCK);
      return;
    }
    checkHeader(header);
    const type = text(header, 156, 1);
    const size = pax.has("size") ? Number(pax.get("size")) : number(header, 124, 12);
    if (type === "x") {
      pax = parsePax(await reader.exact(size));
      await reader.exact(padding(size));
      continue;
    }
    if (type !== "0" && type !== "")
      throw new ArchiveError("unsupported", `the archive holds an entry of tar type '${type}'`);
    const prefix = text(header, 345, 155);
    const name = pax.get("path") ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    pax = new Map();
    const body = (async function* () {
      yield* reader.take(size);
      await reader.exact(padding(size));
    })();
    yield { name, size, body };
    // Whatever the consumer left unread is skipped, so the next header lines up.
    for await (const _ of body) {
    }
  }
}
