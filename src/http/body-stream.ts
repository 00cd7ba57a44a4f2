import { bodyIncomplete, bodyTooLarge } from "../domain/errors";

/**
 * A request body passed through as it is read: a read failure (the client went away or
 * sent a broken chunked body) becomes a 400 instead of an unhandled 500, and with
 * `maxBytes` more bytes than that become a 413 as soon as they arrive. Consumers that
 * write the bytes somewhere (the stores) still clean up after either error.
 */
export function guardedBody(body: ReadableStream<Uint8Array> | null, maxBytes?: number): ReadableStream<Uint8Array> {
  if (!body) return new Blob([]).stream();
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        controller.error(bodyIncomplete());
        return;
      }
      if (chunk.done) return controller.close();
      seen += chunk.value.byteLength;
      if (maxBytes !== undefined && seen > maxBytes) {
        await reader.cancel().catch(() => {});
        return controller.error(bodyTooLarge(maxBytes));
      }
      controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
