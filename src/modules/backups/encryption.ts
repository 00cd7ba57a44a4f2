import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from "node:crypto";
import type { ByteReader } from "./byte-reader";
import { ArchiveError } from "./errors";
import type { ByteSink } from "./sink";

/**
 * Encrypted archives: the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015)
 * over AES-256-GCM. The tar stream is cut into chunks of CHUNK bytes; chunk i is sealed
 * with nonce = 7-byte random prefix ‖ i (32-bit big-endian) ‖ last-chunk flag, and the
 * file header as associated data. So a changed, dropped, reordered or appended chunk, a
 * swapped header, and an archive cut off at any byte all fail authentication; nothing is
 * released before its chunk has been authenticated.
 * The key comes from the passphrase by scrypt (N = 2^17, r = 8, p = 1, 16-byte random
 * salt), which also gives a key-check value, so a wrong passphrase is told apart from
 * a damaged archive.
 *
 * Header: "LGTDENC1" ‖ log2 N ‖ r ‖ p ‖ chunk size (u32 BE) ‖ salt[16] ‖ nonce prefix[7] ‖ key check[16].
 */
const MAGIC = Buffer.from("LGTDENC1");
const HEADER_BYTES = MAGIC.byteLength + 3 + 4 + 16 + 7 + 16;
const TAG = 16;
const CHUNK = 256 * 1024;
const SCRYPT = { logN: 17, r: 8, p: 1 };

interface Keys {
  key: Buffer;
  check: Buffer;
}

function deriveKeys(passphrase: string, salt: Buffer, logN: number, r: number, p: number): Promise<Keys> {
  // The header is read before anything is authenticated: never let it ask for more than 1 GiB.
  if (logN < 1 || r < 1 || p < 1 || p > 16 || 128 * 2 ** logN * r > 2 ** 30) {
    throw new ArchiveError("unsupported", "the archive asks for scrypt settings lightd does not accept");
  }
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 64, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 2 ** 20 }, (error, out) => {
      if (error) reject(error);
      else
        resolve({
          key: out.subarray(0, 32),
          check: createHash("sha256").update(out.subarray(32)).digest().subarray(0, 16),
        });
    });
  });
}

function nonce(prefix: Uint8Array, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.set(prefix, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Whether the first bytes of a file say it is an encrypted archive. */
export function isEncryptedHeader(start: Uint8Array): boolean {
  return Buffer.from(start.subarray(0, MAGIC.byteLength)).equals(MAGIC);
}

/** A sink that encrypts everything written to it into `inner` (`cost`: a lower scrypt N, for tests only). */
export async function encryptingSink(
  inner: ByteSink,
  passphrase: string,
  cost: { logN: number } = SCRYPT,
): Promise<ByteSink> {
  const salt = randomBytes(16);
  const prefix = randomBytes(7);
  const { key, check } = await deriveKeys(passphrase, salt, cost.logN, SCRYPT.r, SCRYPT.p);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.set([cost.logN, SCRYPT.r, SCRYPT.p], 8);
  header.writeUInt32BE(CHUNK, 11);
  salt.copy(header, 15);
  prefix.copy(header, 31);
  check.copy(header, 38);
  let counter = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let headerWritten = false;

  const seal = async (plain: Buffer, last: boolean) => {
    if (!headerWritten) {
      headerWritten = true;
      await inner.write(header);
    }
    if (counter === 0xffffffff) throw new Error("archive too large for one encrypted stream");
    const cipher = createCipheriv("aes-256-gcm", key, nonce(prefix, counter++, last));
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    await inner.write(body);
  };

  return {
    async write(chunk) {
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.byteLength;
      // Keep a full chunk back until more arrives: only close() knows which chunk is last.
      while (pendingBytes > CHUNK) {
        const all = Buffer.concat(pending, pendingBytes);
        await seal(all.subarray(0, CHUNK), false);
        pending = [all.subarray(CHUNK)];
        pendingBytes -= CHUNK;
      }
    },
    async close() {
      await seal(Buffer.concat(pending, pendingBytes), true);
      pending = [];
      await inner.close();
    },
    abort: () => inner.abort(),
  };
}

/**
 * The plaintext of an encrypted archive, chunk by authenticated chunk. Throws ArchiveError:
 * "wrong_passphrase", "truncated" (cut at a chunk boundary or inside one) or "damaged".
 */
export async function* decrypt(reader: ByteReader, passphrase: string): AsyncGenerator<Uint8Array> {
  const header = Buffer.from(await reader.exact(HEADER_BYTES));
  if (!isEncryptedHeader(header)) throw new ArchiveError("not_an_archive", "not an encrypted lightd backup");
  const chunkSize = header.readUInt32BE(11);
  if (chunkSize < 1024 || chunkSize > 64 * 2 ** 20) throw new ArchiveError("damaged", "the archive header is damaged");
  const salt = header.subarray(15, 31);
  const prefix = header.subarray(31, 38);
  const { key, check } = await deriveKeys(
    passphrase,
    salt,
    header[8] as number,
    header[9] as number,
    header[10] as number,
  );
  if (!check.equals(header.subarray(38, 54))) {
    throw new ArchiveError("wrong_passphrase", "wrong passphrase: the archive cannot be decrypted with it");
  }
  const open = (sealed: Uint8Array, counter: number, last: boolean): Buffer | null => {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce(prefix, counter, last));
    decipher.setAAD(header);
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.byteLength - TAG)), decipher.final()]);
    } catch {
      return null;
    }
  };
  for (let counter = 0; ; counter++) {
    const sealed = await reader.upTo(chunkSize + TAG);
    const last = await reader.atEnd();
    if (sealed.byteLength < TAG) throw reader.truncated();
    const plain = open(sealed, counter, last);
    if (plain === null) {
      // A middle chunk that is the last one read: the archive stops where more was due.
      if (last && sealed.byteLength === chunkSize + TAG && open(sealed, counter, false) !== null) {
        throw reader.truncated();
      }
      throw new ArchiveError(
        last ? "truncated" : "damaged",
        last
          ? `the archive is truncated or damaged (chunk ${counter} fails authentication)`
          : `the archive is damaged (chunk ${counter} fails authentication)`,
      );
    }
    yield plain;
    if (last) return;
  }
}
