# posguard as a container: `docker build -t posguard .` then
#   docker run -p 8080:8080 -v posguard-data:/data -e POSGUARD_SECRET=<64 hex> posguard
# Build stage: compiles the TypeScript and better-sqlite3's native addon, then drops the dev tools.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY dashboard ./dashboard
# `npm ci` runs `prepare`, which builds dist/ (the dashboard into dist/dashboard); the dev dependencies (TypeScript, test tools, the
# PostgreSQL binaries the tests start) are pruned before anything is copied out.
RUN npm ci && npm prune --omit=dev

# Run stage: Node alone, as the unprivileged `node` user, the data folder as a volume.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    POSGUARD_HOST=0.0.0.0 \
    POSGUARD_HTTP_PORT=8080 \
    POSGUARD_DB=/data/posguard.db
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
RUN mkdir /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# /healthz answers 200 while the host can reach its store (no curl in the slim image: Node's fetch).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.POSGUARD_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/posguard.js", "serve"]
