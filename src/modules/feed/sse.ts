import type { FeedRequest, FeedService } from "./service";
import type { FeedSink } from "./session";

const encoder = new TextEncoder();

/**
 * The change feed as Server-Sent Events: each event is `id: <tx>` + `data: <json>`, so a
 * browser's EventSource resumes by itself with `Last-Event-ID`. A connection that must end
 * (revoked credential, slow consumer, shutdown) gets a last `event: close` whose data
 * carries the same code and reason as the WebSocket close frame.
 */
export function feedEventStream(
  feed: FeedService,
  request: FeedRequest,
  stillValid: () => Promise<boolean>,
  maxBuffer: number,
): ReadableStream<Uint8Array> {
  let session: ReturnType<FeedService["open"]> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true;
        const push = (text: string) => controller.enqueue(encoder.encode(text));
        // The queue's size in bytes is the high-water mark minus the room left below it.
        const queued = () => maxBuffer - (controller.desiredSize ?? 0);
        const sink: FeedSink = {
          send(tx, message) {
            if (!open) return "dropped";
            if (queued() > maxBuffer) return "dropped";
            push(`id: ${tx}\ndata: ${message}\n\n`);
            return "buffered";
          },
          buffered: queued,
          ping: () => open && push(": ping\n\n"),
          close(code, reason) {
            if (!open) return;
            open = false;
            push(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
            controller.close();
          },
        };
        // Tells the client the stream is live before any event arrives (and flushes headers).
        push(": connected\n\n");
        session = feed.open(request, sink, stillValid);
      },
      pull() {
        void session?.drain();
      },
      cancel() {
        session?.ended();
      },
    },
    { highWaterMark: maxBuffer, size: (chunk) => chunk?.byteLength ?? 0 },
  );
}
