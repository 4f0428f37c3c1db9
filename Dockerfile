# syntax=docker/dockerfile:1
#
# The SDLC Gatekeeper GitHub App. One image, three roles (docs/deploy.md):
#   docker run ... sdlc-gatekeeper-app                   web + worker (ROLE=all)
#   docker run ... sdlc-gatekeeper-app --role web        webhooks only
#   docker run ... sdlc-gatekeeper-app --role worker     jobs only (needs REDIS_URL)
# or ROLE=web|worker|all in the environment.
#
#   docker build -t sdlc-gatekeeper-app .

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: all dependencies (TypeScript), compile src/ to build/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled code, production node_modules, the App manifest; no compiler, no sources.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ROLE=all \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/build ./build
COPY --chown=root:root package.json app.yml ./
# The official image's unprivileged user (uid 1000); the files above stay read-only to it.
USER node
EXPOSE 3000
# Liveness of the HTTP server, whatever the role (every role serves /healthz on PORT).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop, Kubernetes) drains: see SHUTDOWN_GRACE_MS; give the container a little more.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "build/app/serve.js"]
CMD []
