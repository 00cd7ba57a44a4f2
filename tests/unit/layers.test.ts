/**
 * The layer arrows of docs/architecture.md, enforced: every import under src/ is read and
 * each forbidden arrow fails here, naming the file and the import.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../../src");

interface Arrow {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every relative import of a file (static, re-export and dynamic), as a path under src/ without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms),
    ...text.matchAll(/^\s*import\s+"([^"]+)"/gm),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1] as string);
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.(tsx?|json)$/, ""));
}

const arrows: Arrow[] = sourceFiles(SRC).flatMap((file) => {
  const from = relative(SRC, file).replace(/\.tsx?$/, "");
  return importsOf(file).map((to) => ({ from, to }));
});

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** A rule: arrows from `from` to anything `forbids` says no to. */
interface Rule {
  name: string;
  from: (path: string) => boolean;
  forbids: (target: string) => boolean;
}

const RULES: Rule[] = [
  {
    name: "domain imports lib only",
    from: (p) => under(p, "domain"),
    forbids: (t) => !under(t, "domain") && !under(t, "lib"),
  },
  {
    name: "lib imports nothing of lightd's",
    from: (p) => under(p, "lib"),
    forbids: (t) => !under(t, "lib"),
  },
  {
    name: "storage never imports http or modules",
    from: (p) => under(p, "storage"),
    forbids: (t) => under(t, "http") || under(t, "modules") || t === "app" || t === "context",
  },
  {
    name: "http never imports modules (the edge works with domain types)",
    from: (p) => under(p, "http"),
    forbids: (t) => under(t, "modules") || t === "services",
  },
  {
    name: "the composition root and the jobs never import http",
    from: (p) => p === "services" || p === "jobs",
    forbids: (t) => under(t, "http"),
  },
  {
    name: "a module never imports another module's routes",
    from: (p) => under(p, "modules"),
    forbids: (t) => /^modules\/[^/]+(\/index)?$/.test(t),
  },
  {
    name: "routes never import storage (they shape answers from domain objects)",
    from: (p) => /^modules\/[^/]+\/(index|[\w-]*routes)$/.test(p),
    forbids: (t) => under(t, "storage"),
  },
  {
    name: "services never import http",
    from: (p) => /^modules\/[^/]+\/service$/.test(p),
    forbids: (t) => under(t, "http"),
  },
  {
    name: "only the composition root picks the metadata engine (modules see the Metadata interfaces)",
    from: (p) => !under(p, "storage/db") && p !== "services",
    forbids: (t) => under(t, "storage/db/sqlite"),
  },
];

/**
 * Arrows still being moved to their home, each with its reason. The list only shrinks: an
 * entry that no longer matches an import fails the test, so it is deleted with the fix.
 */
const PENDING: Arrow[] = [];

const isPending = (a: Arrow) => PENDING.some((p) => p.from === a.from && p.to === a.to);

describe("layer arrows (docs/architecture.md)", () => {
  test("imports are found", () => {
    expect(arrows.length).toBeGreaterThan(500);
    expect(arrows).toContainEqual({ from: "domain/access", to: "domain/errors" });
  });

  for (const rule of RULES) {
    test(rule.name, () => {
      const broken = arrows
        .filter((a) => rule.from(a.from) && rule.forbids(a.to) && !isPending(a))
        .map((a) => `${a.from} → ${a.to}`);
      expect(broken).toEqual([]);
    });
  }

  test("module areas import each other without cycles (auth never builds keys or admin)", () => {
    const areaOf = (path: string) => /^modules\/([^/]+)\//.exec(path)?.[1];
    const next = new Map<string, Set<string>>();
    for (const { from, to } of arrows) {
      const a = areaOf(from);
      const b = areaOf(to);
      if (a && b && a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
    }
    const cycles: string[] = [];
    const walk = (area: string, trail: string[]) => {
      if (trail.includes(area)) {
        cycles.push([...trail.slice(trail.indexOf(area)), area].join(" → "));
        return;
      }
      for (const b of next.get(area) ?? []) walk(b, [...trail, area]);
    };
    for (const area of next.keys()) walk(area, []);
    expect(cycles).toEqual([]);
  });

  test("no SQL outside storage/db: no bun:sqlite import, no prepared statement", () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !under(relative(SRC, file), "storage/db"))
      .flatMap((file) => {
        const text = readFileSync(file, "utf8");
        const hits = [...text.matchAll(/from\s+"bun:sqlite"|\.query\(|\.prepare\(/g)].map((m) => m[0]);
        return hits.map((hit) => `${relative(SRC, file)}: ${hit}`);
      });
    expect(offenders).toEqual([]);
  });

  test("every pending arrow still exists (delete the entry once it is fixed)", () => {
    const gone = PENDING.filter((p) => !arrows.some((a) => a.from === p.from && a.to === p.to));
    expect(gone).toEqual([]);
  });
});
