# take-a-number: durable HTTP service that never hands out the same number twice.
#   docker build -t take-a-number .
#   docker run -p 5000:5000 --user "$(id -u):$(id -g)" -v "$PWD/data":/data take-a-number
# State lives in the /data directory (mount a directory, not the single file: the state is replaced
# by atomic rename, which cannot replace a bind-mounted file).

# ---- build: dev dependencies + tsc, src/ only (tsconfig.build.json leaves tests/ and bench/ out)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --no-update-notifier
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- runtime: production dependencies and the compiled server only
FROM node:24-bookworm-slim
# The version label follows package.json (the image test checks that they agree).
LABEL org.opencontainers.image.title="take-a-number" \
      org.opencontainers.image.description="A durable HTTP service that hands out numbers that are never handed out twice" \
      org.opencontainers.image.version="1.0.0" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/* \
 && mkdir -p /data \
 && chown 1000:1000 /data
COPY --from=build /app/dist/src ./dist/src

# A container is reached through its published port: listen on every interface (the default is loopback).
ENV PORT=5000 \
    HOST=0.0.0.0 \
    SEQUENCE_FILE=/data/sequences.json
# Numeric, so that Kubernetes' runAsNonRoot can verify it (the base image's user node is 1000:1000).
USER 1000:1000
VOLUME /data
EXPOSE 5000

# The slim image has no curl: ask node itself. /healthz answers 503 while the store cannot write.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (it finishes in-flight requests, releases the
# lock, exits 0). One entrypoint for both: no arguments, or flags (`… take-a-number --port 6000`), run the
# server; `next`, `random`, `migrate`, `serve`, `--help` and `--version` run the CLI (`… take-a-number next build --url …`).
# Less memory at the same req/s (the bench measures it: BENCHMARKS.md): a smaller young generation, one full
# collection after the state is loaded, and an old generation that grows less eagerly. npm start and the
# bench run node with the same flags (docs/operations.md, "Docker").
ENTRYPOINT ["node", "--max-semi-space-size=8", "--expose-gc", "--heap-growing-percent=50", "dist/src/main.js"]
CMD []
