import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";

/** HAProxy (Debian) in front of lightd instances, for the scale-out benchmark. */
export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

export const haproxyBinary = (): string | null =>
  Bun.which("haproxy") ?? (Bun.which("haproxy", { PATH: "/usr/sbin:/sbin" }) || null);

/**
 * Round robin over `ports` with health checks, as the README's example; ready once HAProxy's
 * stats page reports every instance UP (polled, never a fixed wait).
 */
export async function startBalancer(dir: string, port: number, statsPort: number, ports: number[]): Promise<Balancer> {
  const haproxy = haproxyBinary();
  if (!haproxy) throw new Error("no haproxy (apt-get install haproxy)");
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  maxconn 4000",
      "defaults",
      "  mode http",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend lightd",
      `  bind 127.0.0.1:${port}`,
      "  default_backend instances",
      "backend instances",
      "  balance roundrobin",
      "  option httpchk GET /api/v1/public/ping",
      "  default-server check inter 1s",
      ...ports.map((p, i) => `  server node${i} 127.0.0.1:${p}`),
      "listen stats",
      `  bind 127.0.0.1:${statsPort}`,
      "  stats enable",
      "  stats uri /stats",
      "",
    ].join("\n"),
  );
  const proc = spawn([haproxy, "-db", "-f", cfg], { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const csv = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`).then(
      (r) => r.text(),
      () => "",
    );
    const up = csv.split("\n").filter((l) => l.startsWith("instances,node") && l.split(",")[17] === "UP");
    if (up.length === ports.length) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      throw new Error(`HAProxy did not see ${ports.length} instances UP`);
    }
    await Bun.sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
