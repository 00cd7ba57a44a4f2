/**
 * Bundles the dashboard (src/web/) with Bun's bundler. Imported `with { type: "macro" }`, so
 * it runs when the server code is bundled or transpiled: `npm run build` inlines the result
 * into the executable (no files beside it, no CDN), and running from source builds it fresh.
 * Bun.build cannot be called from inside a macro, so the bundler runs as its CLI.
 */
export function dashboardBundle(): { js: string; css: string } {
  return { js: bunBuild("main.tsx", "--format=esm"), css: bunBuild("styles.css") };
}

function bunBuild(entry: string, ...flags: string[]): string {
  const run = Bun.spawnSync(
    [process.execPath, "build", `${import.meta.dir}/${entry}`, "--minify", "--target=browser", ...flags],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
  );
  if (!run.success) throw new Error(`dashboard build failed (${entry}):\n${run.stderr.toString()}`);
  return run.stdout.toString();
}
