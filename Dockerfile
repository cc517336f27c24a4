# The flagops worker (and CLI) image: dependencies installed and dist/ built at image build time,
# run as the unprivileged `node` user, with tini as PID 1 so a SIGTERM reaches the worker, which
# drains (finishes its in-flight activities) before it exits.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The prepare script builds dist/ from the sources, which are not copied yet: run it below.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY bin bin
COPY scripts scripts
COPY src src
COPY workflows workflows
COPY activities activities
COPY migrations migrations
COPY examples examples
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# The memory budget of README "The worker's memory": 200 concurrent rollbacks under 300 MB.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4" \
    FLAGOPS_CONFIG=/etc/flagops/flagops.yaml \
    METRICS_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 9464 9465
ENTRYPOINT ["tini", "--", "node", "/app/bin/flagops.mjs"]
CMD ["worker"]
