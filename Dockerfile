# syntax=docker/dockerfile:1
# One image, two entry points:
#   zkts server --config /conf/zoo.cfg   (the default; the operator's pods run a writable copy, /data/zoo.cfg)
#   zkts operator                        (the Helm chart sets args: [operator, ...])
#
# Build and push (not built in this repository's CI, which has no Docker):
#   docker build -t <registry>/zkts:<version> .
#   docker push <registry>/zkts:<version>
# then `helm install zkts helm/zkts --set image.repository=<registry>/zkts --set image.tag=<version>`
# and use the same image in each ZooKeeperEnsemble's spec.image.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# src/node/server/node-flags.ts's SERVER_ENV (a test keeps them the same).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The server's dataDir; the operator mounts a PVC here and writes myid from an init container.
RUN mkdir -p /data /conf && chown 1000:1000 /data
VOLUME /data
# The node image's unprivileged user (uid 1000), matching the pods' runAsUser.
USER 1000:1000
EXPOSE 2181 2888 3888 7000 8080 8383
# node runs as PID 1 with no init: both entry points handle SIGTERM/SIGINT themselves
# (graceful shutdown), which is all a single-process container needs; no zombies are spawned.
# The flags are src/node/server/node-flags.ts's (a test keeps them the same).
ENTRYPOINT ["node", "--initial-old-space-size=128", "--expose-gc", "/app/bin/zkts"]
CMD ["server", "--config", "/conf/zoo.cfg"]
