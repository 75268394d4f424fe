# syntax=docker/dockerfile:1
# connect-sync as a container image: `docker build -t connect-sync .`
#
# Three stages on the same Debian release, so the native addon built in one runs in the other:
#   build  - every dependency (TypeScript), compiles src/ to dist/
#   deps   - production dependencies only, with better-sqlite3's native addon compiled
#            (the full node image has python3, make and g++; the slim one does not)
#   final  - node:20-bookworm-slim with dist/, bin/ and the production node_modules, as a
#            non-root user. No secret is baked in: the config reads them from the
#            environment (${VAR}), which Kubernetes fills from a Secret.

ARG NODE_IMAGE=node:20-bookworm
ARG RUNTIME_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts here: the build below compiles, and this stage needs no native addon.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && rm -rf dist/bench

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts ./scripts
# Without TypeScript, scripts/prepare.mjs only says so and succeeds; better-sqlite3's
# install script builds (or fetches) its addon for this platform.
RUN npm ci --omit=dev && npm cache clean --force

FROM ${RUNTIME_IMAGE} AS final
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json LICENSE connect-sync.config.example.yaml ./
COPY bin ./bin
COPY schema ./schema
COPY examples ./examples
RUN ln -s /app/bin/connect-sync.js /usr/local/bin/connect-sync \
 && mkdir -p /var/lib/connect-sync \
 && chown node:node /var/lib/connect-sync
# Reports (state.reportsDir), and a SQLite state file when one is used, go on a volume mounted here.
# The `node` user (uid 1000) of the official image; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
ENTRYPOINT ["connect-sync"]
CMD ["--help"]
