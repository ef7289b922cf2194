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
COPY proto ./proto
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY proto ./proto
COPY config/tokenmeter.yaml /etc/tokenmeter/config.yaml
# Listen on all interfaces inside the container (the embedded defaults use loopback), and keep the ledger on a
# volume the unprivileged user can write, so it survives container restarts.
ENV TOKENMETER_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    TOKENMETER_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    TOKENMETER_ADMIN_ENDPOINT=0.0.0.0:9464 \
    TOKENMETER_LEDGER_PATH=/var/lib/tokenmeter/tokenmeter.db
RUN mkdir -p /var/lib/tokenmeter && chown node:node /var/lib/tokenmeter
VOLUME ["/var/lib/tokenmeter"]
EXPOSE 4317 4318 9464
USER node
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/tokenmeter/config.yaml"]
