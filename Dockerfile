# tokenmeter sidecar image. Build: docker build -t tokenmeter .
# Run:   docker run -p 4317:4317 -p 4318:4318 -p 9464:9464 -v tokenmeter-data:/var/lib/tokenmeter \
#          -e MLFLOW_TRACKING_URI=http://mlflow:5000 tokenmeter

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# A starting point for `serve --config /etc/tokenmeter/config.yaml`. The image runs on the embedded defaults instead:
# they forward to MLflow only when MLFLOW_TRACKING_URI is set, where this file always lists it, and an MLflow exporter
# aimed at no server fills its queue and then refuses every request (its backpressure), stopping the metering too.
COPY config/tokenmeter.yaml /etc/tokenmeter/config.yaml
# Listen on all interfaces inside the container (the embedded defaults use loopback), and keep the ledger on a
# volume the unprivileged user can write, so it survives container restarts. The embedded defaults and the file above
# read the same variables.
ENV TOKENMETER_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    TOKENMETER_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    TOKENMETER_ADMIN_ENDPOINT=0.0.0.0:9464 \
    TOKENMETER_LEDGER_PATH=/var/lib/tokenmeter/tokenmeter.db
RUN mkdir -p /var/lib/tokenmeter && chown node:node /var/lib/tokenmeter
VOLUME ["/var/lib/tokenmeter"]
EXPOSE 4317 4318 9464
USER node
# On the admin port TOKENMETER_ADMIN_ENDPOINT names, whatever address it listens on.
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "const port=(process.env.TOKENMETER_ADMIN_ENDPOINT||'').split(':').pop()||'9464';fetch('http://127.0.0.1:'+port+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
# Docker stops a container with SIGKILL 10 s after SIGTERM (`docker stop`'s default): the drain gets 8 s of them, so
# the ledger and the queue on disk are closed before it. Give both more with `docker run --stop-timeout`.
CMD ["serve", "--shutdown-timeout", "8s"]
