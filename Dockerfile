# syntax=docker/dockerfile:1
# ehlo-exporter container image.
#   docker build -t ehlo-exporter .
#   docker run -d -p 9525:9525 -v ehlo-data:/var/lib/ehlo-exporter \
#     -v "$PWD/my-fleet.yml:/etc/ehlo-exporter/ehlo-exporter.yml:ro" ehlo-exporter
#
# Node 24 LTS: Node 20 reached end of life in April 2026. The code itself still runs on 20, 22 and 24.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 is a native module: its install script downloads a prebuilt binary when one exists for
# this Node ABI and libc, and compiles SQLite from source when not (or when the download is blocked).
# The compiler stays in this stage; the final image only gets the built .node file.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that a source change does not re-run the native build.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# package.json is needed at run time: it makes dist/*.js ES modules ("type": "module") and gives the version.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Alert rules, Prometheus/Alertmanager/Grafana examples and dashboards travel with the image, for reference.
COPY config ./config
COPY dashboards ./dashboards
# The default config; mount your own file over it (or pass another --config.file).
COPY config/ehlo-exporter.yml /etc/ehlo-exporter/ehlo-exporter.yml
# The state store (baselines, change history) must survive container restarts: keep it on a volume.
# The directory is created here so that a fresh named volume starts out owned by the `node` user.
RUN mkdir -p /var/lib/ehlo-exporter \
 && chown node:node /var/lib/ehlo-exporter
VOLUME /var/lib/ehlo-exporter
# The base image's unprivileged user (uid 1000); the exporter needs no privilege (it opens no port < 1024).
USER node
# 9525: the exporter's default --web.listen-address. The Prometheus wiki's "default port allocations"
# list could not be checked from the build machine; 9100-9999 is said to be fully allocated by now, so
# 9525 may collide with another exporter's registration. Publish it under any host port you like.
EXPOSE 9525
# No curl or wget in a slim image: Node's own fetch asks /-/healthy. If you change --web.listen-address,
# change the port here as well. With --web.config.file (TLS or basic auth) this plain, anonymous request
# fails: run the container with --no-healthcheck or your own HEALTHCHECK then.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9525/-/healthy', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["--config.file=/etc/ehlo-exporter/ehlo-exporter.yml", "--storage.path=/var/lib/ehlo-exporter/ehlo-exporter.db", "--web.listen-address=:9525"]
