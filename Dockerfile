# One image for api, worker and migrations. A glibc base (Debian): the Temporal core bridge
# ships a glibc binary and does not load on musl/Alpine.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN node node_modules/vite/bin/vite.js build --config web/vite.config.ts

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# The CJK font embedded in generated PDFs, and the faces for what it lacks; see platform/cjk-font.ts.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-hanazono fonts-symbola && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY domain ./domain
COPY db ./db
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY platform ./platform
COPY scripts ./scripts
COPY --from=build /app/web/dist ./web/dist
# DATA_DIR (archive documents): compose mounts a named volume here, which takes this owner.
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data
USER node
EXPOSE 3000
# The api by default; compose runs the worker and migrations from the same image.
CMD ["node", "--import", "tsx", "api/src/main.ts"]
