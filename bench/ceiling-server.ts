// The ceiling: the least work Bun.serve can do per request on this machine.
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => new Response("Hello, world!"),
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});

// A module, not a script: its top-level names stay its own when the bench is type-checked.
export {};
