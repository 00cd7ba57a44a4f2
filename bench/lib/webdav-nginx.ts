import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunningServer, startServer } from "./server";

/** Debian's nginx (with the dav-ext module for PROPFIND) and rclone: the client benchmark's baseline. */
export const BASELINE_PACKAGES = ["nginx", "libnginx-mod-http-dav-ext", "rclone", "curl"];
const DAV_EXT = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";

/**
 * Installs the baseline's Debian packages when missing (the bench's own setup; the product
 * never needs them). Returns why the WebDAV baseline cannot run, or null when it can.
 */
export async function ensureBaselinePackages(): Promise<string | null> {
  const missing = BASELINE_PACKAGES.filter((pkg) => {
    const status = Bun.spawnSync(["dpkg-query", "-W", `-f=${"$"}{Status}`, pkg]).stdout.toString();
    return status !== "install ok installed";
  });
  if (missing.length > 0) {
    const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
    const install = Bun.spawnSync([...sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (install.exitCode !== 0)
      return `apt-get install ${missing.join(" ")} failed: ${install.stderr.toString().trim().split("\n").pop()}`;
  }
  if (!existsSync(DAV_EXT)) return `nginx's WebDAV PROPFIND module (${DAV_EXT}) is not available`;
  if (!Bun.which("rclone")) return "rclone is not installed";
  return null;
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** A private nginx WebDAV server (one worker, PUT/MKCOL/DELETE/MOVE/COPY + PROPFIND) writing into `root`. */
export async function startWebdavNginx(dir: string, root: string): Promise<RunningServer> {
  const port = await freePort();
  const temp = join(dir, "nginx-temp");
  mkdirSync(temp, { recursive: true });
  mkdirSync(root, { recursive: true });
  const conf = join(dir, "nginx-dav.conf");
  writeFileSync(
    conf,
    `load_module ${DAV_EXT};
user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx-dav.pid;
error_log ${dir}/nginx-dav-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    client_max_body_size 0;
    dav_methods PUT DELETE MKCOL COPY MOVE;
    dav_ext_methods PROPFIND OPTIONS;
    create_full_put_path on;
    dav_access user:rw group:r all:r;
    autoindex on;
  }
}
`,
  );
  // nginx prints nothing when ready, so a wrapper announces the port once it answers.
  const wrapper = join(dir, "nginx-dav-wrapper.ts");
  writeFileSync(
    wrapper,
    `const proc = Bun.spawn(["nginx", "-e", ${JSON.stringify(`${dir}/nginx-dav-error.log`)}, "-c", ${JSON.stringify(conf)}], { stdout: "inherit", stderr: "inherit" });
const deadline = Date.now() + 10_000;
for (;;) {
  const ok = await fetch("http://127.0.0.1:${port}/").then(() => true, () => false);
  if (ok) break;
  if (proc.exitCode !== null || Date.now() > deadline) process.exit(1);
  await Bun.sleep(20);
}
console.log(JSON.stringify({ msg: "listening", port: ${port} }));
process.once("SIGTERM", async () => { proc.kill("SIGQUIT"); await proc.exited; process.exit(0); });
await proc.exited;
`,
  );
  return startServer("nginx-dav", [process.execPath, "run", wrapper], join(dir, "nginx-dav-wrapper.log"));
}
