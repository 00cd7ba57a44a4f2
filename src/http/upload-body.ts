import { AppError } from "../errors";

/**
 * The upload body, with a read failure (the client went away or sent a broken chunked
 * body) turned into a 400 instead of an unhandled 500; the store still discards the temp file.
 */
export function uploadBody(request: Request): ReadableStream<Uint8Array> {
  if (!request.body) return new Blob([]).stream();
  const reader = request.body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        controller.error(new AppError("bad_request", "The request body ended before it was complete"));
        return;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
