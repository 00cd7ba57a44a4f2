import { describe, expect, test } from "bun:test";
import type { StoredEntry } from "../../src/domain/files";
import { type PropEntry, parsePropfind, propfindResponse } from "../../src/modules/dav/properties";

const file = {
  id: 1,
  path: "docs/a&b.txt",
  name: "a&b.txt",
  type: "file",
  size: 12,
  content_type: "text/plain",
  etag: "0123456789abcdef",
  updated_at: Date.UTC(2026, 11, 2, 1, 2, 3),
  created_at: Date.UTC(2026, 0, 1),
} as StoredEntry;

const entryOf = (row: StoredEntry, isFolder = false): PropEntry => ({
  href: isFolder ? "/dav/docs/" : "/dav/docs/a%26b.txt",
  row,
  isFolder,
  facts: null,
  dead: [{ ns: "urn:x", name: "color", value: "blue" }],
  locks: [],
  hrefOf: (path) => `/dav/${path}`,
  now: 0,
});

describe("a PROPFIND member", () => {
  const asked = parsePropfind(
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:x="urn:x">' +
      "<d:prop><d:getlastmodified/><d:getcontentlength/><d:resourcetype/><oc:permissions/><x:color/><plain/></d:prop>" +
      "</d:propfind>",
  );

  test("is the same for every member asked with one request: values, empty values, missing properties", () => {
    const expected =
      "<D:response><D:href>/dav/docs/a%26b.txt</D:href>" +
      "<D:propstat><D:prop><D:getlastmodified>Wed, 02 Dec 2026 01:02:03 GMT</D:getlastmodified>" +
      "<D:getcontentlength>12</D:getcontentlength><D:resourcetype/><N1:color>blue</N1:color></D:prop>" +
      "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>" +
      "<D:propstat><D:prop><N0:permissions/><plain/></D:prop>" +
      "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>";
    // Asked twice: the second member is written from the same spelled elements.
    expect(propfindResponse(entryOf(file), asked)).toBe(expected);
    expect(propfindResponse(entryOf(file), asked)).toBe(expected);
  });

  test("a folder has a collection resource type and no length", () => {
    const text = propfindResponse(entryOf({ ...file, type: "folder", path: "docs/" } as StoredEntry, true), asked);
    expect(text).toContain("<D:resourcetype><D:collection/></D:resourcetype>");
    expect(text).toContain("<D:propstat><D:prop><D:getcontentlength/><N0:permissions/><plain/></D:prop>");
  });

  test("allprop lists the live properties and the dead ones, each namespace declared where it is used", () => {
    const text = propfindResponse(entryOf(file), parsePropfind(""));
    expect(text).toContain("<D:getcontentlength>12</D:getcontentlength>");
    expect(text).toContain(`<D:getetag>"0123456789abcdef"</D:getetag>`);
    expect(text).toContain("<D:creationdate>2026-01-01T00:00:00.000Z</D:creationdate>");
    expect(text).toContain('<P:color xmlns:P="urn:x">blue</P:color>');
    expect(text).not.toContain("404 Not Found");
  });
});
