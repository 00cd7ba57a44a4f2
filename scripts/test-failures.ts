/**
 * Prints why each failed test failed, from bun's JUnit report: `.ci/run` shows this just above
 * its final count, so the end of a CI log alone says what broke and where.
 * Usage: bun scripts/test-failures.ts junit.xml
 */
const LINES_PER_FAILURE = 45;

const unescape = (s: string) =>
  s
    .replaceAll("&#10;", "\n")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

const xml = await Bun.file(process.argv[2] ?? "junit.xml").text();
const testcase = /<testcase name="([^"]*)"[^>]*file="([^"]*)"[^>]*>\s*<failure[^>]*>([\s\S]*?)<\/failure>/g;
for (const [, name = "", file = "", body = ""] of xml.matchAll(testcase)) {
  const lines = unescape(body).trim().split("\n");
  const shown = lines.slice(0, LINES_PER_FAILURE).map((l) => `    ${l}`);
  if (lines.length > LINES_PER_FAILURE) shown.push(`    … ${lines.length - LINES_PER_FAILURE} more lines above in the log`);
  console.log(`✗ ${file} > ${unescape(name)}\n${shown.join("\n")}`);
}
