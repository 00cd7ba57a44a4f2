import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/** A controllable clock: every change is stamped with `clock.now` (Unix ms). */
const clock = { now: 1_700_000_000_000 };
const tick = () => (clock.now += 1000);

const enc = (path: string) => path.split("/").map(encodeURIComponent).join("/");

async function put(t: TestApp, path: string, body: string, contentType?: string) {
  const res = await t.request("PUT", `/files/${enc(path)}`, {
    body,
    headers: contentType ? { "content-type": contentType } : {},
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { path: string; name: string; size: number; tx: number; time: number };
}

async function json(t: TestApp, method: string, path: string, body?: unknown) {
  const res = await t.request(method, path, body === undefined ? {} : { json: body });
  // biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const list = (t: TestApp, query = "") => json(t, "GET", `/files${query}`);
const names = (entries: Array<{ path: string }>) => entries.map((e) => e.path);

/** A test that changes what others read, or counts tx from 1, runs on an app of its own. */
async function onFreshApp(backend: Backend, body: (t: TestApp) => Promise<void>) {
  const t = makeTestApp({ backend, now: () => clock.now });
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

/** The listing tree: tx 1 docs/report.pdf, tx 2 readme.md, then three more; 5 files, 23 bytes. */
async function putListingTree(t: TestApp) {
  await put(t, "docs/report.pdf", "%PDF-1.7 hello");
  await put(t, "readme.md", "# hi");
  await put(t, "docs/drafts/a.txt", "aaa");
  await put(t, "docs/zeta.txt", "z");
  await put(t, "docs/alpha.txt", "a");
}

/** Five changes (tx 1–5, one second apart) with refused and no-op changes between them. */
async function putHistory(t: TestApp): Promise<number[]> {
  const txs: number[] = [];
  tick();
  txs.push((await put(t, "a.txt", "hello")).tx);
  tick();
  txs.push((await json(t, "POST", "/files/mkdir", { path: "f/" })).body.tx);
  tick();
  txs.push((await json(t, "POST", "/files/move", { from: "a.txt", to: "f/a.txt", message: "tidy" })).body.tx);
  tick();
  txs.push((await put(t, "f/a.txt", "hello again")).tx); // overwrite
  // Refused and no-op changes take no tx.
  await json(t, "POST", "/files/mkdir", { path: "f/" });
  await json(t, "POST", "/files/move", { from: "missing", to: "x" });
  await json(t, "DELETE", "/files/missing");
  tick();
  txs.push((await json(t, "DELETE", "/files/f/")).body.tx);
  return txs;
}

/** tx 6: an upload with a commit message, after the history above. */
async function putMessage(t: TestApp) {
  const res = await t.request("PUT", "/files/m.txt?message=first%20draft", { body: "m" });
  expect(res.status).toBe(200);
}

forEachBackend((backend) => {
  describe("one-step PUT, list, stats", () => {
    // The listing and stats tests only read this tree.
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());
    beforeAll(() => putListingTree(t));

    test("PUT answers path, name, size, tx, time (Unix ms)", () =>
      onFreshApp(backend, async (t) => {
        tick();
        const res = await t.request("PUT", "/files/docs/report.pdf", { body: "%PDF-1.7 hello" });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          path: "docs/report.pdf",
          name: "report.pdf",
          size: 14,
          tx: 1,
          time: clock.now,
        });
      }));

    test("the listing of the root shows the folder one level below, with the seed's fields", async () => {
      const { status, body } = await list(t);
      expect(status).toBe(200);
      expect(body.prefix).toBe("");
      expect(body.truncated).toBe(false);
      // Folders first, then files; only direct children.
      expect(names(body.entries)).toEqual(["docs/", "readme.md"]);
      const [folder, file] = body.entries;
      expect(folder).toMatchObject({ name: "docs", type: "folder", size: 0 });
      expect(file).toMatchObject({
        name: "readme.md",
        path: "readme.md",
        type: "file",
        size: 4,
        content_type: "text/markdown",
        tx: 2,
      });
      for (const entry of body.entries) {
        expect(Object.keys(entry)).toEqual(
          expect.arrayContaining(["name", "type", "size", "updated_at", "tx", "tx_time"]),
        );
        expect(Number.isInteger(entry.updated_at)).toBe(true);
        expect(entry.updated_at).toBeGreaterThan(1_600_000_000_000); // ms, not seconds
        expect(Number.isInteger(entry.tx_time)).toBe(true);
      }
    });

    test("prefix lists one folder: subfolders first, then files", async () => {
      const { body } = await list(t, "?prefix=docs/");
      expect(body.prefix).toBe("docs/");
      expect(names(body.entries)).toEqual(["docs/drafts/", "docs/alpha.txt", "docs/report.pdf", "docs/zeta.txt"]);
      expect(body.entries.map((e: { type: string }) => e.type)).toEqual(["folder", "file", "file", "file"]);
    });

    test("a prefix that is not a whole folder filters names within the folder", async () => {
      const { body } = await list(t, "?prefix=docs/a");
      expect(names(body.entries)).toEqual(["docs/alpha.txt"]);
    });

    test("a prefix with nothing under it is an empty listing", async () => {
      const { status, body } = await list(t, "?prefix=nothing/");
      expect(status).toBe(200);
      expect(body).toEqual({ prefix: "nothing/", entries: [], truncated: false });
    });

    test("limit and offset page through the listing; truncated says more remain", async () => {
      const all = (await list(t, "?prefix=docs/")).body.entries;
      const page1 = (await list(t, "?prefix=docs/&limit=2")).body;
      expect(names(page1.entries)).toEqual(names(all.slice(0, 2)));
      expect(page1.truncated).toBe(true);
      const page2 = (await list(t, "?prefix=docs/&limit=2&offset=2")).body;
      expect(names(page2.entries)).toEqual(names(all.slice(2, 4)));
      expect(page2.truncated).toBe(false);
      const past = (await list(t, "?prefix=docs/&limit=2&offset=10")).body;
      expect(past).toEqual({ prefix: "docs/", entries: [], truncated: false });
    });

    test.each([
      ["limit=1001", "limit over 1000"],
      ["limit=0", "limit 0"],
      ["limit=-1", "negative limit"],
      ["limit=abc", "non-numeric limit"],
      ["offset=-1", "negative offset"],
      ["offset=x", "non-numeric offset"],
    ])("?%s (%s) → 400 bad_request", async (query) => {
      const { status, body } = await list(t, `?${query}`);
      expect(status).toBe(400);
      expect(body.error).toBe("bad_request");
    });

    test("curl's default form Content-Type on a PUT body is not the file's type: the name decides", () =>
      onFreshApp(backend, async (t) => {
        // `curl --data-binary @notes.txt` sends application/x-www-form-urlencoded; no file is a form body.
        await put(t, "notes.txt", "plain words", "application/x-www-form-urlencoded");
        await put(t, "blob", "raw", "Application/X-WWW-Form-Urlencoded; charset=utf-8");
        await put(t, "page.html", "<p>hi</p>", "text/html");
        const meta = async (path: string) =>
          (await (await t.request("GET", `/files/${path}`, { headers: { accept: "application/json" } })).json()) as {
            content_type: string;
          };
        expect((await meta("notes.txt")).content_type).toStartWith("text/plain");
        expect((await meta("blob")).content_type).toBe("application/octet-stream");
        expect((await meta("page.html")).content_type).toBe("text/html");
      }));

    test("limit=1000 is allowed", async () => {
      expect((await list(t, "?limit=1000")).status).toBe(200);
    });

    test("stats counts files and bytes (folders are not files)", async () => {
      // readme.md 4, docs/report.pdf 14, docs/drafts/a.txt 3, docs/zeta.txt 1, docs/alpha.txt 1
      expect(await json(t, "GET", "/files/stats")).toMatchObject({ status: 200, body: { files: 5, bytes: 23 } });
    });

    test("stats after overwrite, move and delete", () =>
      onFreshApp(backend, async (t) => {
        await putListingTree(t);
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 5, bytes: 23 });
        await put(t, "readme.md", "# a longer readme"); // 4 → 17 bytes
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 5, bytes: 36 });
        await json(t, "POST", "/files/move", { from: "readme.md", to: "docs/readme.md" });
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 5, bytes: 36 });
        await t.request("DELETE", "/files/docs/readme.md");
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 4, bytes: 19 });
        await t.request("DELETE", "/files/docs/");
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 0, bytes: 0 });
      }));
  });

  describe("mkdir", () => {
    // The conflict tests read an empty folder docs/drafts/ and a file "notes".
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());
    beforeAll(async () => {
      expect((await json(t, "POST", "/files/mkdir", { path: "docs/drafts/" })).status).toBe(200);
      await put(t, "notes", "n");
    });

    test("creates a folder (created true), then again is created false", () =>
      onFreshApp(backend, async (t) => {
        tick();
        const first = await json(t, "POST", "/files/mkdir", { path: "docs/drafts/" });
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({ path: "docs/drafts/", created: true });
        const again = await json(t, "POST", "/files/mkdir", { path: "docs/drafts/" });
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ path: "docs/drafts/", created: false });
      }));

    test("the new folder and its parent show up in listings as folders", () =>
      onFreshApp(backend, async (t) => {
        tick();
        expect((await json(t, "POST", "/files/mkdir", { path: "docs/drafts/" })).status).toBe(200);
        expect((await list(t)).body.entries).toMatchObject([{ path: "docs/", name: "docs", type: "folder" }]);
        expect((await list(t, "?prefix=docs/")).body.entries).toMatchObject([
          { path: "docs/drafts/", name: "drafts", type: "folder", size: 0, updated_at: clock.now },
        ]);
      }));

    test("an empty folder is listed as empty", async () => {
      expect((await list(t, "?prefix=docs/drafts/")).body).toEqual({
        prefix: "docs/drafts/",
        entries: [],
        truncated: false,
      });
    });

    test("a path without a trailing / → 400", async () => {
      const res = await json(t, "POST", "/files/mkdir", { path: "docs/nope" });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("bad_request");
    });

    test("a file where the folder (or one of its parents) would go → 409", async () => {
      await put(t, "notes", "n");
      for (const path of ["notes/", "notes/sub/"]) {
        const res = await json(t, "POST", "/files/mkdir", { path });
        expect(res.status).toBe(409);
        expect(res.body.error).toBe("conflict");
      }
      expect((await list(t, "?prefix=notes/")).body.entries).toEqual([]);
    });

    test("uploading a file where a folder exists → 409", async () => {
      const res = await t.request("PUT", "/files/docs/drafts", { body: "x" });
      expect(res.status).toBe(409);
      expect((await res.json()).error).toBe("conflict");
    });

    test("uploading under a file (file used as a folder) → 409", async () => {
      const res = await t.request("PUT", "/files/notes/inner.txt", { body: "x" });
      expect(res.status).toBe(409);
    });
  });

  describe("move", () => {
    // The refused moves below read this tree: the state after the rename and folder move tests.
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());
    beforeAll(async () => {
      await put(t, "dir/b.txt", "alpha bytes", "text/plain");
      await put(t, "dst/inner/one.txt", "1");
      await put(t, "dst/inner/deep/two.txt", "22");
      expect((await json(t, "POST", "/files/mkdir", { path: "dst/inner/empty/" })).status).toBe(200);
    });

    test("renames a file: answers from, to, tx, time; content and metadata preserved", () =>
      onFreshApp(backend, async (t) => {
        await put(t, "a.txt", "alpha bytes", "text/plain");
        tick();
        const res = await json(t, "POST", "/files/move", { from: "a.txt", to: "dir/b.txt", message: "rename" });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ from: "a.txt", to: "dir/b.txt", tx: 2, time: clock.now });
        expect((await t.request("GET", "/files/a.txt")).status).toBe(404);
        const meta = await (
          await t.request("GET", "/files/dir/b.txt", { headers: { accept: "application/json" } })
        ).json();
        expect(meta).toMatchObject({ path: "dir/b.txt", size: 11, content_type: "text/plain" });
        expect((await t.request("GET", "/files/a.txt", { headers: { accept: "application/json" } })).status).toBe(404);
      }));

    test("moves a whole folder with everything under it", () =>
      onFreshApp(backend, async (t) => {
        await put(t, "src/one.txt", "1");
        await put(t, "src/deep/two.txt", "22");
        await json(t, "POST", "/files/mkdir", { path: "src/empty/" });
        const res = await json(t, "POST", "/files/move", { from: "src/", to: "dst/inner/" });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ from: "src/", to: "dst/inner/" });
        expect(names((await list(t, "?prefix=src/")).body.entries)).toEqual([]);
        expect(names((await list(t, "?prefix=dst/")).body.entries)).toEqual(["dst/inner/"]);
        expect(names((await list(t, "?prefix=dst/inner/")).body.entries)).toEqual([
          "dst/inner/deep/",
          "dst/inner/empty/",
          "dst/inner/one.txt",
        ]);
        expect(names((await list(t, "?prefix=dst/inner/deep/")).body.entries)).toEqual(["dst/inner/deep/two.txt"]);
        const root = names((await list(t)).body.entries);
        expect(root).not.toContain("src/");
        // The bytes followed the metadata.
        const download = await t.request("GET", "/files/dst/inner/deep/two.txt");
        const bytes = await t.follow(download.headers.get("location") as string);
        expect(await bytes.text()).toBe("22");
      }));

    test("a moved file is found by search under its new name only", async () => {
      await put(t, "old-name-zebra.txt", "z");
      await json(t, "POST", "/files/move", { from: "old-name-zebra.txt", to: "new-name-giraffe.txt" });
      const zebra = await json(t, "GET", "/files/search?q=zebra");
      expect(zebra.body.results).toEqual([]);
      const giraffe = await json(t, "GET", "/files/search?q=giraffe");
      expect(giraffe.body.results.map((r: { path: string }) => r.path)).toEqual(["new-name-giraffe.txt"]);
    });

    test.each([
      ["missing source file", { from: "missing.txt", to: "x.txt" }, 404, "not_found"],
      ["missing source folder", { from: "missing/", to: "x/" }, 404, "not_found"],
      ["existing destination file", { from: "dir/b.txt", to: "dst/inner/one.txt" }, 409, "conflict"],
      ["existing destination folder", { from: "dst/inner/deep/", to: "dst/inner/empty/" }, 409, "conflict"],
      ["file onto a folder's name", { from: "dir/b.txt", to: "dst/inner" }, 409, "conflict"],
      ["folder into itself", { from: "dst/", to: "dst/inner/again/" }, 400, "bad_request"],
      ["folder onto itself", { from: "dst/", to: "dst/" }, 400, "bad_request"],
      ["file onto itself", { from: "dir/b.txt", to: "dir/b.txt" }, 400, "bad_request"],
      ["file to a folder path", { from: "dir/b.txt", to: "other/" }, 400, "bad_request"],
      ["folder to a file path", { from: "dst/", to: "other" }, 400, "bad_request"],
      ["missing from", { to: "x.txt" }, 400, "bad_request"],
      ["number as path", { from: 1, to: "x.txt" }, 400, "bad_request"],
    ])("%s → %d", async (_name, body, status, error) => {
      const logBefore = (await json(t, "GET", "/files/log?limit=1000")).body.events.length;
      const res = await json(t, "POST", "/files/move", body);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      expect((await json(t, "GET", "/files/log?limit=1000")).body.events.length).toBe(logBefore);
    });

    test("a folder moved under a file's name → 409", async () => {
      await put(t, "blocker", "b");
      const res = await json(t, "POST", "/files/move", { from: "dst/", to: "blocker/" });
      expect(res.status).toBe(409);
    });
  });

  describe("delete", () => {
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());

    test("a file: answers deleted, tx, time; the file is gone", () =>
      onFreshApp(backend, async (t) => {
        await put(t, "a.txt", "a");
        tick();
        const res = await json(t, "DELETE", "/files/a.txt");
        expect(res).toEqual({ status: 200, body: { deleted: 1, tx: 2, time: clock.now } });
        expect((await t.request("GET", "/files/a.txt")).status).toBe(404);
      }));

    test("a folder recursively: every file and folder under it; deleted counts the files", () =>
      onFreshApp(backend, async (t) => {
        await put(t, "d/a.txt", "a");
        await put(t, "d/sub/b.txt", "b");
        await put(t, "d/sub/deeper/c.txt", "c");
        await put(t, "dx.txt", "keeps"); // shares the prefix "d" but is not in the folder
        const res = await json(t, "DELETE", "/files/d/");
        expect(res.status).toBe(200);
        // d/a.txt, d/sub/b.txt, d/sub/deeper/c.txt (the three folder rows go too, but are not files)
        expect(res.body.deleted).toBe(3);
        expect(names((await list(t)).body.entries)).toEqual(["dx.txt"]);
        expect((await json(t, "GET", "/files/stats")).body).toMatchObject({ files: 1, bytes: 5 });
      }));

    test("a missing file or folder → 404", async () => {
      for (const path of ["/files/nope.txt", "/files/nope/"]) {
        const res = await json(t, "DELETE", path);
        expect(res.status).toBe(404);
        expect(res.body.error).toBe("not_found");
      }
    });

    test("a file path does not delete a folder of the same name (needs the trailing /)", async () => {
      await json(t, "POST", "/files/mkdir", { path: "keep/" });
      expect((await json(t, "DELETE", "/files/keep")).status).toBe(404);
      expect(names((await list(t)).body.entries)).toContain("keep/");
    });
  });

  describe("tx and the event log", () => {
    // The log queries read the history (tx 1–5) and the commit message upload (tx 6).
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());
    beforeAll(async () => {
      await putHistory(t);
      await putMessage(t);
    });

    test("every change gets the next tx, no gaps, and one event with its action", () =>
      onFreshApp(backend, async (t) => {
        const txs = await putHistory(t);
        expect(txs).toEqual([1, 2, 3, 4, 5]);

        const { status, body } = await json(t, "GET", "/files/log");
        expect(status).toBe(200);
        const start = clock.now - 4000;
        expect(body.events).toEqual([
          { tx: 1, action: "upload", path: "a.txt", size: 5, msg: null, ts: start },
          { tx: 2, action: "mkdir", path: "f/", size: null, msg: null, ts: start + 1000 },
          { tx: 3, action: "move", path: "a.txt", dest: "f/a.txt", size: 5, msg: "tidy", ts: start + 2000 },
          { tx: 4, action: "upload", path: "f/a.txt", size: 11, msg: null, ts: start + 3000 },
          { tx: 5, action: "delete", path: "f/", size: 11, msg: null, ts: start + 4000 },
        ]);
      }));

    test("a commit message from ?message= is logged", () =>
      onFreshApp(backend, async (t) => {
        await putHistory(t);
        await putMessage(t);
        const { body } = await json(t, "GET", "/files/log?since_tx=5");
        expect(body.events).toMatchObject([{ tx: 6, action: "upload", path: "m.txt", msg: "first draft" }]);
      }));

    test("since_tx returns only later events; limit caps them, oldest first", async () => {
      expect((await json(t, "GET", "/files/log?since_tx=3")).body.events.map((e: { tx: number }) => e.tx)).toEqual([
        4, 5, 6,
      ]);
      expect(
        (await json(t, "GET", "/files/log?since_tx=1&limit=2")).body.events.map((e: { tx: number }) => e.tx),
      ).toEqual([2, 3]);
      expect((await json(t, "GET", "/files/log?since_tx=6")).body.events).toEqual([]);
    });

    test("path filters to one file (as source or destination of a move, or gone with its folder) or a folder", async () => {
      const txsFor = async (path: string) =>
        (await json(t, "GET", `/files/log?path=${encodeURIComponent(path)}`)).body.events.map(
          (e: { tx: number }) => e.tx,
        );
      expect(await txsFor("a.txt")).toEqual([1, 3]);
      // tx 5 deletes the folder f/, and f/a.txt with it.
      expect(await txsFor("f/a.txt")).toEqual([3, 4, 5]);
      expect(await txsFor("f/")).toEqual([2, 3, 4, 5]);
      expect(await txsFor("m.txt")).toEqual([6]);
      expect(await txsFor("zzz")).toEqual([]);
    });

    test.each(["limit=0", "limit=1001", "since_tx=-1", "since_tx=abc"])("?%s → 400", async (query) => {
      const res = await json(t, "GET", `/files/log?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("bad_request");
    });

    test("the counter continues after reads and refused changes", () =>
      onFreshApp(backend, async (t) => {
        await putHistory(t);
        await putMessage(t);
        expect((await json(t, "GET", "/files/log?since_tx=3")).status).toBe(200);
        expect((await json(t, "GET", "/files/log?limit=0")).status).toBe(400);
        expect((await json(t, "POST", "/files/move", { from: "missing", to: "x" })).status).toBe(404);
        expect((await put(t, "n.txt", "n")).tx).toBe(7);
      }));
  });

  describe("search", () => {
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());
    const paths = async (q: string, app = t) => {
      const res = await json(app, "GET", `/files/search?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect(res.body.query).toBe(q);
      return res.body.results.map((r: { path: string }) => r.path) as string[];
    };

    const putSearchTree = async (t: TestApp) => {
      await put(t, "docs/report.pdf", "r");
      await put(t, "docs/2023 annual report.txt", "r2");
      await put(t, "report/notes.txt", "n"); // "report" only in the folder part of the path
      await put(t, "photos/cat.jpg", "c");
      await put(t, "photos/dog.jpg", "d");
      await put(t, "Quarterly Budget.xlsx", "q");
    };
    beforeAll(() => putSearchTree(t));

    test("a word prefix finds the file: rep → report.pdf", async () => {
      const found = await paths("rep");
      expect(found).toContain("docs/report.pdf");
    });

    test("results carry path, name, size, content_type, updated_at, tx", async () => {
      const res = await json(t, "GET", "/files/search?q=report.pdf");
      expect(res.body.results[0]).toEqual({
        path: "docs/report.pdf",
        name: "report.pdf",
        size: 1,
        content_type: "application/pdf",
        updated_at: expect.any(Number),
        tx: 1,
      });
    });

    test("a name match ranks above a match only in the folder path", async () => {
      const found = await paths("report");
      expect(found).toEqual(
        expect.arrayContaining(["docs/report.pdf", "docs/2023 annual report.txt", "report/notes.txt"]),
      );
      expect(found.indexOf("report/notes.txt")).toBe(found.length - 1);
      expect(found[0]).toBe("docs/report.pdf"); // the closest name first
    });

    test("multi-word queries need every word (any order, any case)", async () => {
      expect(await paths("annual report")).toEqual(["docs/2023 annual report.txt"]);
      expect(await paths("REPORT annual")).toEqual(["docs/2023 annual report.txt"]);
      expect(await paths("budget quarterly")).toEqual(["Quarterly Budget.xlsx"]);
      expect(await paths("annual cat")).toEqual([]);
    });

    test("short terms (under 3 characters) still match", async () => {
      expect(await paths("ca")).toEqual(["photos/cat.jpg"]);
      expect((await paths("jp")).sort()).toEqual(["photos/cat.jpg", "photos/dog.jpg"]);
      expect(await paths("do jpg")).toEqual(["photos/dog.jpg"]);
    });

    test("FTS syntax characters are taken literally, never a 500", async () => {
      for (const q of ['"', "rep*", "a OR b", "NEAR(x y)", "-x", "(", "'; DROP TABLE files; --", "%", "_"]) {
        const res = await t.request("GET", `/files/search?q=${encodeURIComponent(q)}`);
        expect(res.status).toBe(200);
      }
    });

    test("limit caps results; an empty q is 400", async () => {
      expect((await json(t, "GET", "/files/search?q=jpg&limit=1")).body.results).toHaveLength(1);
      for (const query of ["", "?q=", "?q=%20%20", "?q=x&limit=0", "?q=x&limit=1001"]) {
        const res = await json(t, "GET", `/files/search${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe("bad_request");
      }
    });

    test("deleted files are no longer found", () =>
      onFreshApp(backend, async (t) => {
        await putSearchTree(t);
        expect((await paths("jpg", t)).sort()).toEqual(["photos/cat.jpg", "photos/dog.jpg"]);
        expect((await t.request("DELETE", "/files/photos/")).status).toBe(200);
        expect(await paths("jpg", t)).toEqual([]);
      }));
  });
});
