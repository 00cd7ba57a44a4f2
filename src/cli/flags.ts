import { UsageError } from "./args";

/** What a command accepts: `--name` flags (boolean or taking a value), short aliases, and positionals. */
export interface FlagSpec {
  /** Flags that take a value, e.g. `ttl` for `--ttl 1h`. */
  values?: readonly string[];
  /** Flags that are on or off, e.g. `r` or `recursive`. */
  booleans?: readonly string[];
  /** Short names: `{ r: "recursive" }` makes `-r` mean `--recursive`. */
  aliases?: Readonly<Record<string, string>>;
}

export interface ParsedFlags {
  positionals: string[];
  values: Map<string, string>;
  booleans: Set<string>;
}

/** Flags every client command accepts. */
export const GLOBAL_FLAGS = { values: ["profile"], booleans: ["json", "help"], aliases: { h: "help" } } as const;

/**
 * Parses one command's arguments: `--flag value`, `--flag=value`, grouped short booleans
 * (`-lR`), and `--` to end flags. Unknown flags are a usage error, never ignored.
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Set([...(spec.values ?? []), ...GLOBAL_FLAGS.values]);
  const booleans = new Set([...(spec.booleans ?? []), ...GLOBAL_FLAGS.booleans]);
  const aliases: Record<string, string> = { ...GLOBAL_FLAGS.aliases, ...spec.aliases };
  const out: ParsedFlags = { positionals: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (booleans.has(name)) {
        if (eq !== -1) throw new UsageError(`--${name} takes no value`);
        out.booleans.add(name);
      } else if (values.has(name)) {
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        out.values.set(name, value);
      } else {
        throw new UsageError(`unknown option '--${name}'`);
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const name = aliases[letters[j] as string];
        if (name === undefined) throw new UsageError(`unknown option '-${letters[j]}'`);
        if (booleans.has(name)) {
          out.booleans.add(name);
        } else {
          // A short flag that takes a value must come last in its group: `-p NAME`.
          const value = j === letters.length - 1 ? argv[++i] : undefined;
          if (value === undefined) throw new UsageError(`-${letters[j]} needs a value`);
          out.values.set(name, value);
        }
      }
      continue;
    }
    out.positionals.push(arg);
  }
  return out;
}

/** Checks the positional count against what a command takes; too many or too few is a usage error. */
export function expectPositionals(flags: ParsedFlags, min: number, max: number, usage: string): string[] {
  const n = flags.positionals.length;
  if (n < min || n > max) throw new UsageError(`usage: lightd ${usage}`);
  return flags.positionals;
}
