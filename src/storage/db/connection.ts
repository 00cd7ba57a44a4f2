import type { Database } from "bun:sqlite";
import { openConnection } from "./sqlite/connection";

/** Opens the metadata database's one connection and brings its schema up to date. */
export function openDatabase(path: string): Database {
  return openConnection(path, { migrate: true });
}
