# syntax=docker/dockerfile:1
#
# lightd in a container: one static-ish executable on Debian slim, running as a non-root user.
#
#   docker build -t lightd .
#   docker run -d --name lightd -p 8070:8070 -v lightd-data:/data lightd
#   docker logs lightd                       # the master token is printed once, on first start
#   docker exec lightd lightd --token what   # and can be shown again any time
#
# /data holds config.json (mode 0600, created on first start) and the data directory
# (SQLite metadata and, with the local backend, the stored bytes).

# ---- build: Node + npm install Bun from the registry, Bun compiles the executable ----
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# npm ci first; the lock lacks some optional non-Linux platform packages that npm ci insists
# on, so fall back to npm install, which still installs the locked versions.
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
RUN npm run build && ./dist/lightd --version

# ---- runtime: Debian slim, the binary, nothing else ----
FROM debian:bookworm-slim
# CA certificates for S3 endpoints and SMTP over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 lightd \
 && useradd --system --uid 10001 --gid lightd --home-dir /data --no-create-home --shell /usr/sbin/nologin lightd \
 && mkdir -p /data \
 && chown lightd:lightd /data \
 && chmod 0700 /data
COPY --from=build /src/dist/lightd /usr/local/bin/lightd

USER lightd:lightd
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8070
# lightd listens on 0.0.0.0:8070 by default (server.host/server.port in config.json); publish
# the port to choose who can reach it. LIGHTD_CONFIG lets `docker exec <container> lightd --token …`
# find the same file as the server.
ENV LIGHTD_CONFIG=/data/config.json
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/lightd", "--config", "/data/config.json"]
CMD ["serve"]
