import { badRequest } from "../../domain/errors";

/** One condition of an `If` header list: a state token (`<urn:…>`) or an entity tag (`["…"]`), maybe negated. */
export interface IfCondition {
  not: boolean;
  kind: "token" | "etag";
  value: string;
}

/** A parenthesised list; `resource` is the tagged URL it applies to (null = the request URL). */
export interface IfList {
  resource: string | null;
  conditions: IfCondition[];
}

const malformed = () => badRequest("Malformed If header");

/** Parses an RFC 4918 §10.4 `If` header into its lists; 400 when it is malformed. */
export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let resource: string | null = null;
  let i = 0;
  const skip = () => {
    while (i < header.length && /\s/.test(header[i] as string)) i++;
  };
  const until = (close: string): string => {
    const end = header.indexOf(close, i + 1);
    if (end === -1) throw malformed();
    const value = header.slice(i + 1, end);
    i = end + 1;
    return value;
  };
  for (skip(); i < header.length; skip()) {
    const c = header[i];
    if (c === "<") {
      resource = until(">");
    } else if (c === "(") {
      i++;
      const conditions: IfCondition[] = [];
      for (skip(); header[i] !== ")"; skip()) {
        if (i >= header.length) throw malformed();
        let not = false;
        if (header.startsWith("Not", i) || header.startsWith("not", i)) {
          not = true;
          i += 3;
          skip();
        }
        if (header[i] === "<") conditions.push({ not, kind: "token", value: until(">") });
        else if (header[i] === "[") conditions.push({ not, kind: "etag", value: until("]").trim() });
        else throw malformed();
      }
      i++;
      if (conditions.length === 0) throw malformed();
      lists.push({ resource, conditions });
    } else {
      throw malformed();
    }
  }
  if (lists.length === 0) throw malformed();
  return lists;
}

/** Every state token named anywhere in the header: the lock tokens the client submits. */
export function submittedTokens(lists: IfList[]): Set<string> {
  const tokens = new Set<string>();
  for (const list of lists) for (const c of list.conditions) if (c.kind === "token") tokens.add(c.value);
  return tokens;
}
