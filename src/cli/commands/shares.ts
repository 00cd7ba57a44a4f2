import type { ShareLink as ShareInfo } from "../../../clients/lightd";
import { UsageError } from "../args";
import type { ClientCommand } from "../context";
import { expectPositionals } from "../flags";
import { formatTime } from "../output";
import { cleanRemote, folderExists } from "../remote-tree";
import { parseSeconds } from "./files";

const share: ClientCommand = {
  name: "share",
  usage: "share PATH [--ttl 1h] [--max-downloads N]",
  summary: "Make a public download link that expires (prints the URL); a folder shares everything in it",
  flags: { values: ["ttl", "max-downloads"] },
  async run(ctx) {
    const [given] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const ttl = parseSeconds(ctx.value("ttl") ?? "1h", "--ttl");
    const maxText = ctx.value("max-downloads");
    if (maxText !== undefined && !/^[1-9]\d{0,6}$/.test(maxText))
      throw new UsageError("--max-downloads takes a number from 1");
    const api = ctx.api();
    let path = cleanRemote(given);
    if (!path.endsWith("/") && (await folderExists(api, path))) path = `${path}/`;
    const result = await api.json<{ id: string; url: string; expires_at: number }>("POST", "/files/share", {
      json: { path, ttl, max_downloads: maxText === undefined ? undefined : Number(maxText) },
    });
    return ctx.out.answer(result, () => ctx.out.line(result.url));
  },
};

const shares: ClientCommand = {
  name: "shares",
  usage: "shares [list] | shares revoke ID",
  summary: "List your live share links, or revoke one",
  async run(ctx) {
    const [action = "list", id, ...rest] = ctx.flags.positionals;
    const api = ctx.api();
    if (action === "list" && id === undefined) {
      const { shares: list } = await api.json<{ shares: ShareInfo[] }>("GET", "/files/shares");
      return ctx.out.answer({ shares: list }, () =>
        ctx.out.table(
          ["ID", "PATH", "EXPIRES", "DOWNLOADS", "URL"],
          list.map((s) => [
            s.id,
            s.path,
            formatTime(s.expires_at),
            `${s.downloads}${s.max_downloads === null ? "" : `/${s.max_downloads}`}`,
            s.url ?? "-",
          ]),
          [3],
        ),
      );
    }
    if (action !== "revoke" || id === undefined || rest.length > 0) throw new UsageError(`usage: lightd ${this.usage}`);
    const result = await api.json("DELETE", `/files/shares/${encodeURIComponent(id)}`);
    return ctx.out.answer(result, () => ctx.out.note(`revoked ${id}`));
  },
};

export const SHARE_COMMANDS = [share, shares];
