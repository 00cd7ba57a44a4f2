import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteMetadata } from "../../src/storage/db/sqlite";
import { runMetadataContract } from "../fixtures/metadata-contract";

// The embedded engine on a file (a reader and a writer connection, as a server runs it).
runMetadataContract("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-contract-"));
  const metadata = openSqliteMetadata(join(dir, "lightd.db"));
  return {
    metadata,
    close() {
      metadata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
