import { errorAnswers } from "../../http/openapi/components";
import { headerParameter, pathParameter } from "../../http/openapi/parameters";
import { readConditionHeaders } from "../blobs/openapi";
import { SharedListing } from "./model";

/**
 * `GET|HEAD /s/{token}` and `/s/{token}/{path}` in the contract: public (no credential), with
 * the folder listing as JSON or HTML. `/s/{token}/{path}` is an Elysia wildcard the swagger
 * plugin leaves out, so both are written here from the same `t` model the routes answer with.
 */
const token = pathParameter("token", "Share token (`lightd_shr_…`)");
const path = pathParameter(
  "path",
  "Path relative to the shared folder (`photos/a.jpg`; a trailing `/` lists a subfolder). Parsed by the same rules as every path: it cannot leave the folder.",
  { type: "string", minLength: 1 },
);
const accept = headerParameter(
  "Accept",
  "A folder's listing is HTML when this prefers `text/html` over JSON (a browser), JSON otherwise.",
);

const noStore = { "Cache-Control": { description: "`no-store`", schema: { type: "string" } } };

const getResponses = {
  "200": {
    description:
      "A folder link: the listing (JSON, or a minimal script-free HTML page under a strict Content-Security-Policy when Accept prefers text/html)",
    headers: noStore,
    content: {
      "application/json": { schema: SharedListing },
      "text/html": { schema: { type: "string" } },
    },
  },
  "302": {
    description: "A file: redirect to a short-lived signed download URL (counts one download against max_downloads)",
    headers: {
      ...noStore,
      Location: { description: "The signed download URL", schema: { type: "string", format: "uri" } },
    },
  },
  ...errorAnswers(400, 401, 404),
};

const headResponses = {
  "200": {
    description:
      "A file: its Content-Type, Content-Length and ETag, without counting a download; a folder: the listing's headers",
    headers: {
      "Content-Type": { description: "The file's media type", schema: { type: "string" } },
      "Content-Length": { description: "The file's size in bytes", schema: { type: "integer", minimum: 0 } },
      ETag: { description: "Quoted entity tag of the file's bytes", schema: { type: "string" } },
    },
  },
  "304": {
    description: "A file: not modified, `If-None-Match` matched its ETag",
    headers: { ETag: { description: "Quoted entity tag of the file's bytes", schema: { type: "string" } } },
  },
  ...errorAnswers(400, 401, 404, 412),
};

const description =
  "No authentication. An unknown, revoked, expired or used-up link answers the same 401. A file link answers 302 to its bytes; a folder link lists the folder, and `/s/{token}/{path}` opens a file or lists a subfolder under it. Errors are lightd's JSON, or, when Accept prefers `text/html` over JSON (a browser), a short script-free page with the same status.";

/** Without a path after the token there is nothing to be malformed (400). */
function withoutBadRequest<T extends Record<string, unknown>>(responses: T): Omit<T, "400"> {
  const { "400": _, ...rest } = responses;
  return rest;
}

function operations(id: string, summary: string, parameters: object[], hasPath: boolean) {
  return {
    get: {
      operationId: id,
      tags: ["Sharing"],
      summary,
      description,
      security: [],
      parameters,
      responses: hasPath ? getResponses : withoutBadRequest(getResponses),
    },
    head: {
      operationId: `${id}Head`,
      tags: ["Sharing"],
      summary: `${summary} (headers only)`,
      description: `${description} For a file, \`If-Match\` and \`If-None-Match\` are decided as for its download (412, 304).`,
      security: [],
      parameters: [...parameters, ...readConditionHeaders],
      responses: hasPath ? headResponses : withoutBadRequest(headResponses),
    },
  };
}

export const sharePathOperations = {
  "/s/{token}": operations("openShare", "Open a share link (public)", [token, accept], false),
  "/s/{token}/{path}": operations(
    "openSharedPath",
    "Open a path under a shared folder (public)",
    [token, path, accept],
    true,
  ),
};
