import type { ChangeEvent } from "../../../clients/lightd";
import { errorOf, fetchOrExplain } from "../api-client";
import { UsageError } from "../args";
import type { ClientCommand } from "../context";
import { CliError, EXIT } from "../exit";
import { expectPositionals } from "../flags";
import { cleanRemote } from "../remote-tree";
import { eventRow } from "./files";

/** Splits a Server-Sent Events stream into (id, data) messages. */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<{ id?: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  let id: string | undefined;
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      if (line === "") {
        if (data.length > 0) yield { id, data: data.join("\n") };
        data = [];
        id = undefined;
      } else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("id:")) id = line.slice(3).trim();
      newline = buffer.indexOf("\n");
    }
  }
}

const watch: ClientCommand = {
  name: "watch",
  usage: "watch [PREFIX] [--since TX] [--limit N]",
  summary: "Print changes as they happen (the live change feed); resumes after a dropped line",
  details: `--since TX replays every change after TX first; --limit N stops after N changes.
With --json each change is one JSON line (tx, action, path, dest, size, msg, ts).`,
  flags: { values: ["since", "limit"] },
  async run(ctx) {
    const [given] = expectPositionals(ctx.flags, 0, 1, this.usage);
    const limitText = ctx.value("limit");
    if (limitText !== undefined && !/^[1-9]\d{0,8}$/.test(limitText))
      throw new UsageError("--limit takes a number from 1");
    let remaining = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText);
    const prefix = cleanRemote(given ?? "") || undefined;
    const api = ctx.api();
    let since = ctx.value("since");
    let failures = 0;
    while (remaining > 0) {
      const url = api.url("/events", {
        prefix,
        since_tx: since,
      });
      let response: Response;
      try {
        response = await fetchOrExplain(url, { headers: { ...api.authHeader(), accept: "text/event-stream" } });
      } catch (error) {
        if (++failures > 5) throw error;
        await Bun.sleep(500 * failures);
        continue;
      }
      if (!response.ok || !response.body) throw await errorOf(response);
      failures = 0;
      for await (const message of sseMessages(response.body)) {
        let event: ChangeEvent;
        try {
          event = JSON.parse(message.data) as ChangeEvent;
        } catch {
          continue; // comments and heartbeats carry no event
        }
        if (typeof event.tx !== "number") continue;
        since = String(event.tx);
        if (ctx.json) ctx.out.line(JSON.stringify(event));
        else ctx.out.line(eventRow(event).join("  ").trimEnd());
        if (--remaining <= 0) break;
      }
      if (remaining > 0 && ++failures > 5) throw new CliError("the change feed keeps closing; giving up");
    }
    return EXIT.ok;
  },
};

export const WATCH_COMMANDS = [watch];
