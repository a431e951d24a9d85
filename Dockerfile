# release-health: collector, analyzer and gate in one image (TypeScript run through tsx; no build
# step, so the image runs exactly the code the tests ran).
#   docker build -t release-health .
#   docker run --rm release-health --help
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, for layer caching; --omit=dev keeps test tools out of the image.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY analyzer ./analyzer
COPY collector ./collector
COPY odoo-exporter ./odoo-exporter
COPY pipeline ./pipeline
COPY store ./store
COPY gate ./gate
COPY dashboards ./dashboards
COPY simulator ./simulator
COPY cli ./cli
COPY examples ./examples
COPY tsconfig.json ./

# The node image's unprivileged user; the Kubernetes manifests run it as non-root too.
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/release-health.js"]
CMD ["serve", "--config", "/etc/release-health/serve.yaml"]
