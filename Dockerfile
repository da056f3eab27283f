# syntax=docker/dockerfile:1
# mj-gateway: one image, three roles. ROLE=all (default: HTTP API + workers) | api | worker.
# Config: mount a YAML file and point GATEWAY_CONFIG at it (see config/gateway.example.yaml); env PORT, HOST,
# REDIS_URL, PUBLIC_URL, ADMIN_TOKEN, LOG_LEVEL override it.
#   docker build -t mj-gateway .
#   docker run -e ROLE=api -e GATEWAY_CONFIG=/config/gateway.yaml -v "$PWD/config:/config:ro" -p 8080:8080 mj-gateway
ARG NODE_VERSION=24

# --- build: TypeScript -> dist/, then drop the dev dependencies -------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && test -f dist/src/main.js && test -f dist/src/store/lua/create-task-9.lua && test -f dist/console/index.html \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled JS + production node_modules, non-root ----------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
USER node
EXPOSE 8080
# API: GET /healthz on ${PORT:-8080}. ROLE=worker: its heartbeat file (HEALTH_FILE) is under 30 s old.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# A young generation of up to 64 MB per semi-space (V8's default is 16): under load most of a request's objects die
# young, and fewer, cheaper collections leave more CPU for requests (measured in BENCHMARKS.md, S1), for up to
# ~200 MB more memory at peak. Override the CMD to change it.
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
