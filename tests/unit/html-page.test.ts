import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { escapeHtml, htmlPage } from "../../src/http/html-page";

describe("server-rendered pages", () => {
  test("a user-chosen name is escaped: it can never open a tag or leave an attribute", () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;",
    );
  });

  test("every page is locked down: no script, its style pinned by hash, never framed, cached or a referrer", async () => {
    const style = "body{color:#222}";
    const page = htmlPage({ title: `a <b> "title"`, style, body: "<p>hi</p>", status: 400 });
    expect(page.status).toBe(400);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`);
    expect(csp).toContain("form-action 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).toContain("<title>a &lt;b&gt; &quot;title&quot;</title>");
    expect(html).toContain(`<style>${style}</style>`);
  });

  test("a page whose form posts back to lightd says so, and only that", () => {
    const page = htmlPage({ title: "t", body: "", formAction: "self" });
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(page.headers.get("content-security-policy")).toContain("style-src 'none'");
  });
});
