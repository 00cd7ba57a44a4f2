import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Addresses that are not on the public internet: loopback, private, link-local, CGNAT, multicast, reserved. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv6");
}

/** True for an IP address outside the public internet (IPv4-mapped and NAT64 forms included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return true;
  const lower = address.toLowerCase();
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (embedded) return PRIVATE.check(embedded[1] as string, "ipv4");
  return PRIVATE.check(lower, "ipv6");
}

/**
 * Resolves a URL's host and names the first non-public address it reaches, or null when all
 * are public. Outbound requests to user-given URLs (webhooks) check this before every
 * attempt, so a name re-pointed at an inside address later is refused too.
 */
export async function privateAddressOf(url: URL): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return isPrivateAddress(host) ? host : null;
  const addresses = await lookup(host, { all: true, verbatim: true });
  for (const { address } of addresses) if (isPrivateAddress(address)) return address;
  return null;
}
