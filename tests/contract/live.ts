import type { ContractRun } from "./run";
import { json, type Samples } from "./steps";

/** Share links beyond create: list, revoke, folder listings (JSON and HTML), paths under a folder. */
export async function shareSteps(run: ContractRun, s: Samples): Promise<void> {
  const folder = `/s/${s.folderShareToken}`;
  await run.call("GET /files/shares", "/files/shares", 200);
  const spare = await (await run.call("POST /files/share", "/files/share", 201, { json: { path: s.filePath } })).json();
  await run.call("DELETE /files/shares/{id}", `/files/shares/${spare.id}`, 200);
  await run.call("DELETE /files/shares/{id}", "/files/shares/nope", 404);
  // An id longer than any real one is refused by the schema, so Prism would answer it itself.
  await run.direct("DELETE /files/shares/{id}", `/files/shares/${"x".repeat(65)}`, 400);

  await run.call("GET /s/{token}", folder, 200, { token: null, headers: json });
  await run.call("GET /s/{token}", folder, 200, { token: null, headers: { accept: "text/html" } });
  await run.call("GET /s/{token}", "/s/lightd_shr_unknownunknownunknown00", 401, { token: null });
  // HEAD answers carry the listing's JSON type without its body: checked straight against lightd.
  await run.direct("HEAD /s/{token}", folder, 200, { token: null });
  await run.direct("HEAD /s/{token}", `/s/${s.shareToken}`, 200, { token: null });
  const anyTag = { "if-none-match": "*" };
  const staleTag = { "if-match": '"stale"' };
  await run.direct("HEAD /s/{token}", `/s/${s.shareToken}`, 304, { token: null, headers: anyTag });
  await run.direct("HEAD /s/{token}", `/s/${s.shareToken}`, 412, { token: null, headers: staleTag });
  await run.direct("HEAD /s/{token}", "/s/lightd_shr_unknownunknownunknown00", 401, { token: null });
  // A token that is not even well encoded is just as unknown (Prism cannot route it: sent straight).
  await run.direct("GET /s/{token}", "/s/%FF", 401, { token: null });
  await run.direct("HEAD /s/{token}", "/s/%FF", 401, { token: null });

  const under = "GET /s/{token}/{path}";
  await run.direct(under, `${folder}/a.txt`, 302, { token: null });
  await run.call(under, `${folder}/sub%2F`, 200, { token: null, headers: json });
  await run.call(under, `${folder}/a%2F..%2F..%2Fx`, 400, { token: null });
  await run.call(under, "/s/lightd_shr_unknownunknownunknown00/a.txt", 401, { token: null });
  await run.call(under, `${folder}/none.txt`, 404, { token: null });
  await run.call(under, `/s/${s.shareToken}/a.txt`, 404, { token: null });
  const headUnder = "HEAD /s/{token}/{path}";
  await run.direct(headUnder, `${folder}/a.txt`, 200, { token: null });
  await run.direct(headUnder, `${folder}/a.txt`, 304, { token: null, headers: anyTag });
  await run.direct(headUnder, `${folder}/a.txt`, 412, { token: null, headers: staleTag });
  await run.direct(headUnder, `${folder}/%FF`, 400, { token: null });
  await run.direct(headUnder, "/s/lightd_shr_unknownunknownunknown00/a.txt", 401, { token: null });
  await run.direct(headUnder, `${folder}/none.txt`, 404, { token: null });
}

/** The live change feed: WebSockets open (101) only for an upgrade; SSE streams. */
export async function feedSteps(run: ContractRun, master: string): Promise<void> {
  for (const [op, path] of [
    ["GET /ws/events", "/ws/events"],
    ["GET /ws/{space}", "/ws/live"],
  ] as const) {
    const socket = new WebSocket(`${run.serverUrl.replace(/^http/, "ws")}${path}?token=${master}`);
    const opened = await new Promise<boolean>((resolve) => {
      socket.onopen = () => resolve(true);
      socket.onerror = () => resolve(false);
    });
    socket.close();
    if (opened) run.record(op, 101);
    else run.problems.push(`${op}: the WebSocket did not open`);
    await run.call(op, path, 426);
    await run.call(op, `${path}?prefix=..%2F`, 400);
  }
  await run.call("GET /ws/{space}", "/ws/test", 403);
  // A stream never ends, so Prism (which reads whole bodies) cannot pass it on: checked here.
  const stream = await run.direct("GET /events", "/events?since_tx=0", 200);
  const type = stream.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) run.problems.push(`GET /events: content-type ${type}`);
  await stream.body?.cancel();
  await run.call("GET /events", "/events?prefix=..%2F", 400);
}

/** Webhooks, last: once the account holds its 100 hooks, every change is delivered 100 times. */
export async function hookSteps(run: ContractRun): Promise<void> {
  const target = "http://127.0.0.1:9/hook";
  const hook = await (await run.call("POST /hooks", "/hooks", 201, { json: { url: target } })).json();
  await run.call("GET /hooks", "/hooks", 200);
  await run.call("GET /hooks/{id}/deliveries", `/hooks/${hook.id}/deliveries`, 200);
  await run.call("GET /hooks/{id}/deliveries", "/hooks/nope/deliveries", 404);
  await run.call("DELETE /hooks/{id}", `/hooks/${hook.id}`, 200);
  await run.call("DELETE /hooks/{id}", "/hooks/nope", 404);
  await run.call("POST /hooks", "/hooks", 400, { json: { url: "ftp://127.0.0.1/hook" } });
  let status = 201;
  for (let i = 0; i < 101 && status === 201; i++) {
    status = (
      await fetch(`${run.serverUrl}/hooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${run.master}`, "content-type": "application/json" },
        body: JSON.stringify({ url: target }),
      })
    ).status;
  }
  await run.call("POST /hooks", "/hooks", 409, { json: { url: target } });
}
