import { describe, expect, test } from "bun:test";
import { withUsableUrl } from "../../src/http/usable-url";

/** A Request whose `url` is what Bun would build from a raw Host header (possibly broken). */
function received(url: string): Request {
  const request = new Request("http://placeholder/");
  Object.defineProperty(request, "url", { value: url });
  return request;
}

describe("withUsableUrl", () => {
  const fallback = "http://127.0.0.1:8080";

  test("a parsable URL passes through untouched, the first time and every time after", () => {
    for (let i = 0; i < 3; i++) {
      const request = received(`http://files.example:8080/files/a${i}.txt?x=1`);
      expect(withUsableUrl(request, fallback)).toBe(request);
    }
  });

  test("a broken host after a good one is still rebuilt on the fallback origin", () => {
    expect(withUsableUrl(received("http://files.example:8080/ok"), fallback).url).toBe("http://files.example:8080/ok");
    // Shares the good origin's first characters: must not be taken for it.
    const longerPort = withUsableUrl(received("http://files.example:80809999/files/x"), fallback);
    expect(longerPort.url).toBe(`${fallback}/files/x`);
    const spaced = withUsableUrl(received("http://a b/files/y?q=1"), fallback);
    expect(spaced.url).toBe(`${fallback}/files/y?q=1`);
    const relative = withUsableUrl(received("/files/z"), fallback);
    expect(relative.url).toBe(`${fallback}/files/z`);
  });

  test("the good origin is remembered by its whole authority, not a prefix of it", () => {
    expect(withUsableUrl(received("http://h:1/a"), fallback).url).toBe("http://h:1/a");
    expect(withUsableUrl(received("http://h:1999999/a"), fallback).url).toBe(`${fallback}/a`);
  });

  test("over HTTPS a Host shorter than 3 characters is rebuilt: the router looks for the path from the 12th", () => {
    const tls = "https://127.0.0.1:8443";
    const good = received("https://nas/files/a");
    expect(withUsableUrl(good, tls)).toBe(good);
    expect(withUsableUrl(received("https://ab/files/b"), tls).url).toBe(`${tls}/files/b`);
    expect(withUsableUrl(received("https://a/x/auth/keys"), tls).url).toBe(`${tls}/x/auth/keys`);
    const plain = received("http://a/files/c");
    expect(withUsableUrl(plain, fallback)).toBe(plain);
  });
});
