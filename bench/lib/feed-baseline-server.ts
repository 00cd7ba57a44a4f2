/**
 * The feed benchmark's baseline: the least a Bun server can do to fan one change out to
 * every WebSocket client — `POST /change` publishes one event-shaped message, stamped with
 * the time it arrived, to a topic all clients joined (Bun's native pub/sub). No storage,
 * no permissions, no log.
 */
let tx = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request, srv) {
    if (new URL(request.url).pathname === "/ws") {
      return srv.upgrade(request, { data: undefined }) ? undefined : new Response("upgrade", { status: 426 });
    }
    const path = `bench/f${++tx}.txt`;
    const event = { tx, action: "upload", path, size: 1, msg: null, ts: Date.now() };
    srv.publish("events", JSON.stringify(event));
    return Response.json({ path, tx });
  },
  websocket: {
    open(ws) {
      ws.subscribe("events");
    },
    message() {},
  },
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});

// A module, not a script: its top-level names stay its own when the bench is type-checked.
export {};
