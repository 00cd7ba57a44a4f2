/**
 * One process of the feed benchmark's WebSocket clients: `bun feed-clients.ts <url> <count>`.
 * Opens `count` connections, prints `{"msg":"ready"}`, then counts every message and files
 * its latency (now − the event's trailing `"ts":…`, read without parsing the JSON) in a 1 ms
 * histogram. On the line `count` from stdin it prints `{"received"}`; on `report`, it prints
 * `{"received", "histogram"}` and exits.
 * Several of these share the load, so one busy client thread does not set the figure.
 */
const [url, countText] = Bun.argv.slice(2);
const count = Number(countText);
const BUCKETS = 60_000;
const histogram = new Uint32Array(BUCKETS + 1);
let received = 0;
const sockets: WebSocket[] = [];

for (let start = 0; start < count; start += 50) {
  await Promise.all(
    Array.from({ length: Math.min(50, count - start) }, () => {
      const socket = new WebSocket(url as string);
      sockets.push(socket);
      socket.onmessage = (message) => {
        const now = Date.now();
        const text = message.data as string;
        const ts = Number(text.slice(text.lastIndexOf(":") + 1, -1));
        const bucket = Math.min(BUCKETS, Math.max(0, now - ts));
        histogram[bucket] = (histogram[bucket] ?? 0) + 1;
        received++;
      };
      return new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error("WebSocket connection failed"));
      });
    }),
  );
}
console.log(JSON.stringify({ msg: "ready" }));

for await (const line of console) {
  if (line.trim() === "count") console.log(JSON.stringify({ received }));
  if (line.trim() !== "report") continue;
  for (const socket of sockets) socket.close();
  const counts: Record<number, number> = {};
  histogram.forEach((n, ms) => {
    if (n > 0) counts[ms] = n;
  });
  console.log(JSON.stringify({ received, histogram: counts }));
  process.exit(0);
}

// A module, not a script: its top-level names stay its own when the bench is type-checked.
export {};
