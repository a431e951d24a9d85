# release-health: collector, analyzer and gate in one image, run as JavaScript compiled by `tsc`
# (npm run build): nothing is compiled at start, and tsx/esbuild stay out of the image.
#   docker build -t release-health .
#   docker run --rm release-health --help

# --- build: every dependency (TypeScript included), then dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are in
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/build.js
COPY analyzer ./analyzer
COPY collector ./collector
COPY odoo-exporter ./odoo-exporter
COPY pipeline ./pipeline
COPY service ./service
COPY store ./store
COPY gate ./gate
COPY dashboards ./dashboards
COPY simulator ./simulator
COPY cli ./cli
COPY examples ./examples
RUN node scripts/build.js

# --- runtime: production dependencies and the build only
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no `prepare` (no TypeScript here; dist/ comes from the build stage)
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY examples ./examples

# The node image's unprivileged user; the Kubernetes manifests run it as non-root too.
USER node
EXPOSE 8080
# --min-semi-space-size=16 (MiB): V8's young generation starts at 1 MiB and grows only after many
# scavenges; under a burst of polls serve's HTTP thread then spends up to ~130 ms per collection in
# its first seconds of load, which is the tail of its answers (docs/scale-out.md, "Sizing a
# deployment": /healthz p99 104 -> 34-60 ms). It costs ~32 MiB per thread.
# --single-threaded-gc: each thread collects its own heap, without V8's shared helper threads.
# Those serve every thread's heap at the HTTP thread's priority (nice 0), the analysis thread's
# too (nice 10, ~2x the HTTP thread's heap at 1,000 releases), so they compete with the HTTP
# thread for the cores (inferred, not traced). With it, the verdict GETs' p99 was within 2x the
# reference's in 5 of 5 runs (1.04-1.50x) against 3 of 5 without (1.47-3.31x), alternating on an
# idle machine. It costs RSS, not heap: +50 MiB at 1,000 releases, +0.5 GiB at 5,000 (heap after
# GC and look lag unchanged).
# V8 flags: not accepted in NODE_OPTIONS, so they are here; the benches that start serve or
# analyze-worker read them from this line (bench/imageFlags.ts).
ENTRYPOINT ["node", "--min-semi-space-size=16", "--single-threaded-gc", "bin/release-health.js"]
CMD ["serve", "--config", "/etc/release-health/serve.yaml"]
