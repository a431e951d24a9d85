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
# deployment": /healthz p99 104 -> 34-60 ms). It costs ~32 MiB per thread. A V8 flag: it cannot
# be set in NODE_OPTIONS, so it is here; bench/gate.ts starts serve with the same flags.
ENTRYPOINT ["node", "--min-semi-space-size=16", "bin/release-health.js"]
CMD ["serve", "--config", "/etc/release-health/serve.yaml"]
