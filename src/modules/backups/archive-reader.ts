import type { ObjectRef } from "../../storage/db/snapshot";
import { SNAPSHOT_NAME } from "../../storage/db/snapshot";
import { ByteReader } from "./byte-reader";
import { decrypt, isEncryptedHeader } from "./encryption";
import { ArchiveError, damaged } from "./errors";
import { Hashed, hashBytes } from "./hashing";
import {
  type BackupHeader,
  CONFIG_NAME,
  FORMAT,
  type HashedEntry,
  HEADER_NAME,
  MANIFEST_NAME,
  type Manifest,
  OBJECT_PREFIX,
} from "./layout";
import { readTar, type TarEntry } from "./tar-reader";

/** What restore and verify do with each part of an archive as it streams past. */
export interface ArchiveReceiver {
  /** The archive's config.json; called before anything large is read. */
  config(bytes: Uint8Array, header: BackupHeader): Promise<void>;
  /** Stores the metadata snapshot; returns the objects it references (to check the archive against). */
  snapshot(body: AsyncIterable<Uint8Array>): Promise<ObjectRef[]>;
  object(ref: ObjectRef, body: AsyncIterable<Uint8Array>): Promise<void>;
}

export interface ArchiveSummary {
  header: BackupHeader;
  /** Objects in the archive. */
  files: number;
  /** Archive bytes read (as stored, encrypted or not). */
  bytes: number;
}

const MAX_JSON = 64 * 2 ** 20;

async function json<T>(entry: TarEntry): Promise<{ value: T; bytes: Uint8Array }> {
  if (entry.size > MAX_JSON) throw damaged(`${entry.name} is too large`);
  const parts: Uint8Array[] = [];
  for await (const chunk of entry.body) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) as T, bytes };
  } catch {
    throw damaged(`${entry.name} is not valid JSON`);
  }
}

function same(a: HashedEntry, b: HashedEntry | undefined): boolean {
  return b !== undefined && a.size === b.size && a.sha256 === b.sha256;
}

/**
 * Reads a whole archive in one pass, hands each part to `receiver`, and checks it against
 * the manifest at its end: every hash, every object the snapshot references present,
 * nothing extra. Encrypted archives need `passphrase`. Throws ArchiveError with a message
 * for a person: truncated, damaged, wrong passphrase, not a lightd backup.
 */
export async function readArchive(
  source: AsyncIterable<Uint8Array>,
  receiver: ArchiveReceiver,
  passphrase?: string,
): Promise<ArchiveSummary> {
  const raw = new ByteReader(source);
  let plain = raw;
  if (isEncryptedHeader(await raw.peek(8))) {
    if (passphrase === undefined) {
      throw new ArchiveError(
        "passphrase_required",
        "the archive is encrypted: give its passphrase with --passphrase-file",
      );
    }
    plain = new ByteReader(decrypt(raw, passphrase));
  }
  const entries = readTar(plain);
  const next = async (): Promise<TarEntry> => {
    const { value, done } = await entries.next();
    if (done) throw new ArchiveError("truncated", "the archive is truncated (its manifest is missing)");
    return value;
  };

  const first = await next().catch((error) => {
    // Bytes that never formed one tar header are not an archive at all, rather than a damaged one.
    if (error instanceof ArchiveError && (error.problem === "damaged" || (plain === raw && raw.offset < 512))) {
      throw new ArchiveError("not_an_archive", "not a lightd backup archive");
    }
    throw error;
  });
  if (first.name !== HEADER_NAME) throw new ArchiveError("not_an_archive", "not a lightd backup archive");
  const header = (await json<BackupHeader>(first)).value;
  if (header.format !== FORMAT || header.engine !== "sqlite") {
    throw new ArchiveError(
      "unsupported",
      `the archive has format ${header.format} (${header.engine}); this lightd reads format ${FORMAT} (sqlite)`,
    );
  }
  const configEntry = await next();
  if (configEntry.name !== CONFIG_NAME) throw damaged(`expected ${CONFIG_NAME}, found ${configEntry.name}`);
  const config = await json<unknown>(configEntry);
  await receiver.config(config.bytes, header);

  const metaEntry = await next();
  if (metaEntry.name !== SNAPSHOT_NAME) throw damaged(`expected ${SNAPSHOT_NAME}, found ${metaEntry.name}`);
  const metadata = new Hashed();
  const refs = new Map((await receiver.snapshot(metadata.through(metaEntry.body))).map((ref) => [ref.key, ref]));

  const seen = new Map<string, HashedEntry>();
  for (;;) {
    const entry = await next();
    if (entry.name === MANIFEST_NAME) {
      const manifest = (await json<Manifest>(entry)).value;
      const rest = await entries.next();
      if (!rest.done) throw damaged(`${rest.value.name} follows the manifest`);
      check(manifest, header, hashBytes(config.bytes), metadata.result(), refs, seen);
      return { header, files: seen.size, bytes: raw.offset };
    }
    if (!entry.name.startsWith(OBJECT_PREFIX)) throw damaged(`unexpected entry ${entry.name}`);
    const key = entry.name.slice(OBJECT_PREFIX.length);
    const ref = refs.get(key);
    if (!ref || seen.has(key)) throw damaged(`object ${key} is not one the metadata references`);
    const hashed = new Hashed();
    await receiver.object(ref, hashed.through(entry.body));
    seen.set(key, hashed.result());
  }
}

function check(
  manifest: Manifest,
  header: BackupHeader,
  config: HashedEntry,
  metadata: HashedEntry,
  refs: Map<string, ObjectRef>,
  seen: Map<string, HashedEntry>,
): void {
  if (manifest.id !== header.id || !Array.isArray(manifest.objects))
    throw damaged("the manifest does not match the archive");
  if (!same(config, manifest.config)) throw damaged(`${CONFIG_NAME} does not match its SHA-256 in the manifest`);
  if (!same(metadata, manifest.metadata)) throw damaged(`${SNAPSHOT_NAME} does not match its SHA-256 in the manifest`);
  if (manifest.objects.length !== seen.size) throw damaged("the manifest and the archive list different objects");
  for (const object of manifest.objects) {
    const got = seen.get(object.key);
    if (!got || !same(got, object)) {
      throw damaged(`object ${object.key} does not match its SHA-256 in the manifest`);
    }
  }
  for (const key of refs.keys()) {
    if (!seen.has(key)) throw damaged(`object ${key}, referenced by the metadata, is missing`);
  }
}
