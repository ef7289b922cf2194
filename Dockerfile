# tokenmeter sidecar image. Build: docker build -t tokenmeter .
# Run:   docker run -p 4318:4318 -e MLFLOW_TRACKING_URI=http://mlflow:5000 tokenmeter

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
# Listen on all interfaces inside the container; the embedded defaults use loopback.
ENV TOKENMETER_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    TOKENMETER_OTLP_GRPC_ENDPOINT=0.0.0.0:4317
EXPOSE 4317 4318 9464
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/tokenmeter/config.yaml"]
