# syntax=docker/dockerfile:1
# ehlo-exporter container image.
#   docker build -t ehlo-exporter .
#   docker run -d -p 9525:9525 -v ehlo-data:/var/lib/ehlo-exporter \
#     -v "$PWD/my-fleet.yml:/etc/ehlo-exporter/ehlo-exporter.yml:ro" ehlo-exporter
#
# Node 24 LTS: Node 20 reached end of life in April 2026. The code itself runs on 20, 22 and 24 (CI
# tests all three; package.json "engines").
#
# The base is pinned by digest, so that a rebuild gets the same bytes and a moved tag cannot change the
# image unseen. The digest is that of the multi-platform index of node:24.18.0-bookworm-slim (the tag
# names the version, the digest decides). It could not be pulled or checked from the machine this was
# written on (no registry access); it is the digest Docker Hub's node repository listed for that tag,
# as recorded by docker-library/repo-info and pinned by other public projects. To update it:
#   docker buildx imagetools inspect node:24-bookworm-slim     # "Digest:" of the index, and the version
#   (or: crane digest node:24-bookworm-slim; skopeo inspect docker://node:24-bookworm-slim)
# then set tag and digest below together; Renovate's and Dependabot's "docker" managers do it as a PR.
# A different base for a one-off build: --build-arg NODE_IMAGE=node:24-bookworm-slim
ARG NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

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
# The build context has no .git, so `npm run build` records revision "unknown" in dist/build-info.json
# (smtp_exporter_build_info); --build-arg REVISION=$(git rev-parse HEAD) --build-arg BRANCH=… replace it.
ARG REVISION=unknown
ARG BRANCH=unknown
RUN npm run build \
 && if [ "$REVISION" != unknown ]; then printf '{"revision":"%s","branch":"%s"}\n' "$REVISION" "$BRANCH" > dist/build-info.json; fi \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# OCI image annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md). Version
# and revision come from the build: --build-arg VERSION=$(node -p "require('./package.json').version")
# --build-arg REVISION=$(git rev-parse HEAD).
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="ehlo-exporter" \
      org.opencontainers.image.description="Prometheus exporter that probes mail servers' EHLO capabilities (SIZE, extensions, STARTTLS, TLS)" \
      org.opencontainers.image.source="https://github.com/ehlo-exporter/ehlo-exporter" \
      org.opencontainers.image.url="https://github.com/ehlo-exporter/ehlo-exporter" \
      org.opencontainers.image.documentation="https://github.com/ehlo-exporter/ehlo-exporter#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# A young generation of 2 × 2 MiB instead of V8's 2 × 16 MiB, in the main thread and the probe
# workers: the exporter's heap is long-lived state and a session's garbage dies within the probe,
# so a larger one only holds more garbage (at 10,000 STARTTLS targets in `npm run bench`, 2 × 4
# MiB saved about 25 MiB of RSS and 2 × 2 another 10-15, no CPU measured either way).
# glibc's malloc: two arenas instead of one per thread that allocates (the probe workers, libuv's
# pool), and blocks of 128 KiB or more (zlib's state for each compressed section of a scrape)
# always mapped and unmapped rather than left in the heap: 20-25 MiB less RSS at 10,000 STARTTLS
# targets, the same CPU per probe. `npm start` runs node with the same options and environment.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
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
# The base image's npm, npx and corepack go: the exporter never runs them, and they are the bulk of
# the base image's JavaScript (and of its security advisories).
RUN mkdir -p /var/lib/ehlo-exporter \
 && chown node:node /var/lib/ehlo-exporter \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
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
