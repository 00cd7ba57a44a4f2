import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { FeedRequest, FeedService } from "./service";
import { FEED_CLOSE, type FeedSession, type FeedSink } from "./session";

/** What a feed route hands to the upgrade: the checked subscription and its credential check. */
export interface FeedSocketData {
  request: FeedRequest;
  stillValid: () => Promise<boolean>;
  session?: FeedSession;
}

/** Bun's `ws.send` answers bytes written, -1 when queued under backpressure, 0 when dropped. */
function socketSink(ws: ServerWebSocket<FeedSocketData>, maxBuffer: number): FeedSink {
  return {
    send(_tx, message) {
      if (ws.getBufferedAmount() > maxBuffer) return "dropped";
      const written = ws.send(message);
      if (written === 0) return "dropped";
      return written === -1 ? "buffered" : "sent";
    },
    buffered: () => ws.getBufferedAmount(),
    ping: () => void ws.ping(),
    close: (code, reason) => ws.close(code, reason),
  };
}

/**
 * The WebSocket side of the change feed, given to `Bun.serve` by main.ts. Clients only
 * listen: messages they send are ignored. Bun's own buffer is capped just above the
 * feed's limit, so a stuck peer can never hold more than that in memory.
 */
export function feedSocketHandler(
  feed: FeedService,
  settings: () => { max_buffer_bytes: number },
): WebSocketHandler<FeedSocketData> {
  const maxBuffer = settings().max_buffer_bytes;
  return {
    backpressureLimit: maxBuffer * 2,
    closeOnBackpressureLimit: false,
    // Heartbeats come from the feed's own timer; Bun's idle timeout is only the backstop.
    idleTimeout: 120,
    sendPings: true,
    open(ws) {
      try {
        ws.data.session = feed.open(ws.data.request, socketSink(ws, maxBuffer), ws.data.stillValid);
      } catch {
        ws.close(FEED_CLOSE.internal, "internal error");
      }
    },
    message() {},
    drain(ws) {
      void ws.data.session?.drain();
    },
    close(ws) {
      ws.data.session?.ended();
    },
  };
}
