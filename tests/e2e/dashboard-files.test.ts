import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * Files in the dashboard, as a person uses them, against the compiled binary: a 50 MB upload
 * (multipart, progress seen moving, bytes checked through the API), folders, preview, rename,
 * copy, share and delete.
 */
setDefaultTimeout(120_000);
let server: RunningServer;
let master: string;

beforeAll(async () => {
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
}, 180_000);
afterAll(cleanupE2E);

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${master}`, ...init.headers } });

browserTest("upload 50 MB: the progress bar moves, multipart is used, the stored bytes hash equal", async () => {
  const dir = makeTempDir();
  const bytes = randomBytes(50 * 1024 * 1024);
  const file = join(dir, "big.bin");
  writeFileSync(file, bytes);
  const b = await openBrowser();
  try {
    await signInWithToken(b.page, server.url, master);
    // Sample the total progress bar on every frame, as an eye would see it.
    await b.page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      const tick = () => {
        const bar = document.querySelector<HTMLProgressElement>("#upload-total");
        if (bar) seen.push(bar.value / bar.max);
        requestAnimationFrame(tick);
      };
      tick();
    });
    await b.page.getByLabel("Files to upload").setInputFiles(file);
    await b.page.getByText(/Uploading: /).waitFor();
    await screenshot(b.page, "upload-progress");
    await b.page.getByText(/Uploads complete/).waitFor({ timeout: 90_000 });
    await b.page
      .getByRole("button", { name: "big.bin", exact: true })
      .or(b.page.getByRole("link", { name: "big.bin", exact: true }))
      .waitFor();
    await screenshot(b.page, "upload-done");

    const seen = await b.page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    const between = new Set(seen.filter((v) => v > 0 && v < 1).map((v) => v.toFixed(3)));
    expect(between.size).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toBe(1);
    expect(server.logs().some((l) => l.path === "/files/uploads/multipart/complete" && l.status === 200)).toBe(true);

    const stored = await api("/files/big.bin");
    expect(stored.status).toBe(200);
    const digest = createHash("sha256")
      .update(new Uint8Array(await stored.arrayBuffer()))
      .digest("hex");
    expect(digest).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("folders, preview, rename, copy, share and delete with confirmation", async () => {
  const put = (path: string, body: string, type = "text/plain") =>
    api(`/files/${path}`, { method: "PUT", body, headers: { "content-type": type } });
  expect((await put("notes/todo.txt", "buy milk\nwrite tests\n")).status).toBe(200);
  const b = await openBrowser();
  try {
    await signInWithToken(b.page, server.url, master);
    const page = b.page;
    await page.getByRole("link", { name: "notes" }).click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByText("notes").waitFor();

    // Preview a text file.
    await page.getByRole("button", { name: "todo.txt", exact: true }).click();
    expect(await page.getByLabel("Contents of todo.txt").inputValue()).toContain("write tests");
    await screenshot(page, "preview-text");
    await page.getByRole("button", { name: "Close" }).click();

    // New folder.
    await page.getByRole("button", { name: "New folder" }).click();
    await page.getByLabel("Folder path").fill("notes/archive/");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.getByRole("link", { name: "archive" }).waitFor();

    // Rename: an API refusal is shown in the dialog, then a good name works.
    await page.getByRole("button", { name: "Actions for todo.txt" }).click();
    await page.getByRole("button", { name: "Rename or move…" }).click();
    await page.getByLabel("New path").fill("notes/archive/");
    await page.getByRole("button", { name: "Move", exact: true }).click();
    await page.getByRole("alert").waitFor();
    await screenshot(page, "move-error");
    await page.getByLabel("New path").fill("notes/done.txt");
    await page.getByRole("button", { name: "Move", exact: true }).click();
    await page.getByRole("button", { name: "done.txt", exact: true }).waitFor();
    expect((await api("/files/notes/done.txt", { method: "HEAD" })).status).toBe(200);

    // Copy.
    await page.getByRole("button", { name: "Actions for done.txt" }).click();
    await page.getByRole("button", { name: "Copy…" }).click();
    await page.getByLabel("Copy to").fill("notes/done-copy.txt");
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "done-copy.txt", exact: true }).waitFor();
    expect(await (await api("/files/notes/done-copy.txt")).text()).toBe("buy milk\nwrite tests\n");
    await page.getByRole("button", { name: "Actions for done.txt" }).click();
    await page.getByRole("heading", { name: "done.txt", exact: true }).waitFor();

    // Share link with a TTL, fetched without any credential.
    await page.getByRole("button", { name: "Share link…" }).click();
    await page.getByLabel("Link expires after").selectOption({ label: "1 hour" });
    await page.getByRole("button", { name: "Create link" }).click();
    const link = await page.getByLabel("Share link").inputValue();
    await screenshot(page, "share");
    expect(await (await fetch(link)).text()).toBe("buy milk\nwrite tests\n");
    await page.getByRole("button", { name: "Close" }).click();

    // Delete asks first.
    await page.getByRole("button", { name: "Actions for done.txt" }).click();
    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByRole("heading", { name: "Delete done.txt?" }).waitFor();
    await screenshot(page, "delete-confirm");
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("button", { name: "done.txt", exact: true }).waitFor({ state: "detached" });
    expect((await api("/files/notes/done.txt", { method: "HEAD" })).status).toBe(404);

    // Search finds by name.
    await page.getByLabel("Search files").fill("copy");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("region", { name: "Search results" }).getByRole("link", { name: "done-copy.txt" }).waitFor();
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("shares: a link made in Files is listed with its expiry, then revoked and refused", async () => {
  expect((await api("/files/public/flyer.txt", { method: "PUT", body: "come to the party" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "public" }).click();
    await page.getByRole("button", { name: "Actions for flyer.txt" }).click();
    await page.getByRole("button", { name: "Share link…" }).click();
    await page.getByLabel("Link expires after").selectOption({ label: "3 days" });
    await page.getByRole("button", { name: "Create link" }).click();
    const link = await page.getByLabel("Share link").inputValue();
    expect(await (await fetch(link)).text()).toBe("come to the party");
    await page.getByRole("button", { name: "Close" }).click();

    await page.getByRole("link", { name: "Shares" }).click();
    const revoke = page.getByRole("button", { name: "Revoke share of public/flyer.txt" });
    await revoke.waitFor();
    await page.getByText(/expires .* · 1 download/).waitFor();
    await screenshot(page, "shares-list");
    await revoke.click();
    await page.getByText("No live share links.").waitFor();
    expect([401, 404, 410]).toContain((await fetch(link)).status);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("drag and drop: files dropped on the list are uploaded into the open folder", async () => {
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.goto(`${server.url}/#/files/dropped/`);
    // Not there yet: a drop creates it.
    await page.getByText("This folder does not exist").waitFor();
    // What the browser hands a page when files are dropped on it: a DataTransfer with File items.
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["first dropped file\n"], "one.txt", { type: "text/plain" }));
      dt.items.add(new File([new Uint8Array(3000).fill(7)], "two.bin"));
      return dt;
    });
    await page.locator(".table").dispatchEvent("dragover", { dataTransfer: transfer });
    await page.locator(".table").dispatchEvent("drop", { dataTransfer: transfer });
    await page.getByText(/Uploads complete/).waitFor();
    await page.getByRole("button", { name: "one.txt", exact: true }).waitFor();
    expect(await page.getByText("This folder does not exist").count()).toBe(0);
    expect(await (await api("/files/dropped/one.txt")).text()).toBe("first dropped file\n");
    expect((await (await api("/files/dropped/two.bin")).arrayBuffer()).byteLength).toBe(3000);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("activity: newest first, filtered by path, and live changes appear without a reload", async () => {
  expect((await api("/files/log-test/a.txt", { method: "PUT", body: "a" })).status).toBe(200);
  expect((await api("/files/elsewhere/b.txt", { method: "PUT", body: "b" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "Activity" }).click();
    await page.getByLabel("Path or folder").fill("log-test/");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("Live: new changes appear as they happen.").waitFor();
    const items = page.locator("ol.events li");
    // The filtered list replaces the unfiltered one when its answer arrives: wait for it.
    await items.first().getByText("log-test/a.txt").waitFor();
    expect(await page.getByText("elsewhere/b.txt").count()).toBe(0);
    // A change made elsewhere (curl, another client) shows up at the top.
    expect((await api("/files/log-test/c.txt", { method: "PUT", body: "c" })).status).toBe(200);
    await page.locator("ol.events li").first().getByText("log-test/c.txt").waitFor();
    await screenshot(page, "activity-live");
    expect(await page.getByText("elsewhere/b.txt").count()).toBe(0);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
