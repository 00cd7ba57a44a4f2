import { describe, expect, test } from "bun:test";
import { ByteReader } from "../../src/modules/backups/byte-reader";
import { decrypt, encryptingSink } from "../../src/modules/backups/encryption";
import { ArchiveError } from "../../src/modules/backups/errors";
import type { ByteSink } from "../../src/modules/backups/sink";

const CHUNK = 256 * 1024;
const SEALED = CHUNK + 16;
const HEADER = 54;

function memorySink(): ByteSink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    write: async (chunk) => void parts.push(new Uint8Array(chunk)),
    close: async () => {},
    abort: async () => {},
    bytes: () => Buffer.concat(parts),
  };
}

async function seal(plain: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const out = memorySink();
  // A cheap scrypt cost keeps the test fast; the cost travels in the header, so decrypt needs no hint.
  const sink = await encryptingSink(out, passphrase, { logN: 12 });
  // Odd write sizes, as the tar writer makes them.
  for (let at = 0; at < plain.byteLength; at += 70_001) await sink.write(plain.subarray(at, at + 70_001));
  await sink.close();
  return out.bytes();
}

async function open(sealed: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of decrypt(
    new ByteReader(
      (async function* () {
        yield sealed;
      })(),
    ),
    passphrase,
  ))
    parts.push(chunk);
  return Buffer.concat(parts);
}

async function refusal(sealed: Uint8Array, passphrase: string): Promise<ArchiveError> {
  const error = await open(sealed, passphrase).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  return error as ArchiveError;
}

describe("encrypted archives (STREAM over AES-256-GCM, scrypt)", async () => {
  const plain = crypto.getRandomValues(new Uint8Array(3 * CHUNK + 1234));
  const sealed = await seal(plain, "correct horse battery staple");

  test("round trip, and the ciphertext does not contain the plaintext", async () => {
    expect(await open(sealed, "correct horse battery staple")).toEqual(plain);
    expect(sealed.byteLength).toBe(HEADER + 4 * 16 + plain.byteLength);
    expect(Buffer.from(sealed).indexOf(Buffer.from(plain.subarray(0, 64)))).toBe(-1);
  });

  test("a stream of exactly whole chunks, and an empty one, round-trip", async () => {
    const whole = crypto.getRandomValues(new Uint8Array(2 * CHUNK));
    expect(await open(await seal(whole, "p"), "p")).toEqual(whole);
    expect(await open(await seal(new Uint8Array(0), "p"), "p")).toEqual(new Uint8Array(0));
  });

  test("a wrong passphrase is named as such", async () => {
    const error = await refusal(sealed, "wrong");
    expect(error.problem).toBe("wrong_passphrase");
    expect(error.message).toContain("wrong passphrase");
  });

  test("cut at a chunk boundary, inside a chunk, or inside the header: truncated", async () => {
    for (const end of [HEADER + SEALED, HEADER + 2 * SEALED, HEADER + SEALED + 100, sealed.byteLength - 1, 20]) {
      const error = await refusal(sealed.subarray(0, end), "correct horse battery staple");
      expect(error.problem).toBe("truncated");
      expect(error.message).toContain("truncated");
    }
  });

  test("reordered, altered or appended chunks fail authentication", async () => {
    const swapped = new Uint8Array(sealed);
    swapped.set(sealed.subarray(HEADER + SEALED, HEADER + 2 * SEALED), HEADER);
    swapped.set(sealed.subarray(HEADER, HEADER + SEALED), HEADER + SEALED);
    expect((await refusal(swapped, "correct horse battery staple")).problem).toBe("damaged");

    const flipped = new Uint8Array(sealed);
    flipped[HEADER + 10] = (flipped[HEADER + 10] as number) ^ 1;
    expect((await refusal(flipped, "correct horse battery staple")).problem).toBe("damaged");

    const appended = Buffer.concat([sealed, sealed.subarray(HEADER, HEADER + SEALED)]);
    expect((await refusal(appended, "correct horse battery staple")).problem).not.toBe("wrong_passphrase");
  });
});
