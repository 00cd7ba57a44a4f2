import type { ByteSink } from "./sink";

/**
 * A streaming writer of POSIX tar (ustar, with pax records for long names and sizes of
 * 8 GiB and more). Archives are plain tar so `tar -tvf` can list an unencrypted one; the
 * writer is small and ours because it only needs regular files whose size is known
 * before their bytes, streamed through without buffering.
 */
export const BLOCK = 512;
/** Zero bytes that bring an entry's body to a whole number of blocks. */
export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
const ZEROS = new Uint8Array(BLOCK * 2);
const MAX_OCTAL_SIZE = 8 ** 11 - 1;
const encoder = new TextEncoder();

function octal(header: Uint8Array, offset: number, width: number, value: number): void {
  header.set(encoder.encode(`${value.toString(8).padStart(width - 1, "0")}\0`), offset);
}

function ustarHeader(name: string, size: number, mtimeSeconds: number, type: "0" | "x"): Uint8Array {
  const header = new Uint8Array(BLOCK);
  header.set(encoder.encode(name).subarray(0, 100), 0);
  octal(header, 100, 8, 0o600);
  octal(header, 108, 8, 0);
  octal(header, 116, 8, 0);
  octal(header, 124, 12, Math.min(size, MAX_OCTAL_SIZE));
  octal(header, 136, 12, mtimeSeconds);
  header.set(encoder.encode(type), 156);
  header.set(encoder.encode("ustar\u000000"), 257);
  // The checksum is computed with its own field as eight spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.set(encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return header;
}

/** One pax record, "<len> <key>=<value>\n", where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

export class TarWriter {
  constructor(
    private readonly sink: ByteSink,
    private readonly mtimeSeconds = Math.floor(Date.now() / 1000),
  ) {}

  /** Adds a file of exactly `size` bytes read from `body`; a body of another length fails the archive. */
  async add(name: string, size: number, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const longName = Buffer.byteLength(name) > 100;
    if (longName || size > MAX_OCTAL_SIZE) {
      const pax = encoder.encode(
        (longName ? paxRecord("path", name) : "") + (size > MAX_OCTAL_SIZE ? paxRecord("size", String(size)) : ""),
      );
      await this.sink.write(ustarHeader("././@PaxHeader", pax.byteLength, this.mtimeSeconds, "x"));
      await this.sink.write(pax);
      await this.sink.write(ZEROS.subarray(0, padding(pax.byteLength)));
    }
    await this.sink.write(ustarHeader(name, size, this.mtimeSeconds, "0"));
    let written = 0;
    for await (const chunk of body) {
      written += chunk.byteLength;
      if (written > size) break;
      await this.sink.write(chunk);
    }
    if (written !== size) throw new Error(`${name}: expected ${size} bytes, read ${written}`);
    await this.sink.write(ZEROS.subarray(0, padding(size)));
  }

  async addBytes(name: string, bytes: Uint8Array): Promise<void> {
    await this.add(name, bytes.byteLength, [bytes]);
  }

  /** Writes the end-of-archive marker (two zero blocks). */
  async finish(): Promise<void> {
    await this.sink.write(ZEROS);
  }
}
