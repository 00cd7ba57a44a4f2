import { readFileSync } from "node:fs";
import { type Subprocess, spawn } from "bun";

/** A server process started by a benchmark, with the port it announced. */
export interface RunningServer {
  name: string;
  pid: number;
  port: number;
  /** Peak resident set size so far (VmHWM from /proc), in MiB; null off Linux. */
  peakRssMiB(): number | null;
  stop(): Promise<void>;
}

function readLog(path: string): string {
  try {
    // A fresh read every poll: a BunFile keeps the size it saw first.
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export function peakRssMiB(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Starts `cmd` with stdout and stderr going to `logPath`, and waits (polling the log,
 * never a fixed sleep) for the JSON line `{"msg":"listening","port":N}` that lightd and
 * the ceiling server both print. Output goes to a file so the benchmark process spends
 * no CPU draining a pipe while it measures.
 */
export async function startServer(
  name: string,
  cmd: string[],
  logPath: string,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const log = Bun.file(logPath);
  const proc: Subprocess = spawn(cmd, { cwd: options.cwd, stdout: log, stderr: log, stdin: "ignore" });
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let port: number | null = null;
  while (port === null) {
    const text = readLog(logPath);
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === "listening" && typeof entry.port === "number") port = entry.port;
      } catch {
        // a partly written line; the next poll sees it whole
      }
    }
    if (port !== null) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      throw new Error(`${name} did not report "listening" (exit ${proc.exitCode}); its log:\n${text.slice(-2000)}`);
    }
    await Bun.sleep(20);
  }
  return {
    name,
    pid: proc.pid,
    port,
    peakRssMiB: () => peakRssMiB(proc.pid),
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
