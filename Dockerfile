# latentkit serve in a container: `docker build -t latentkit .` then
# `docker run -p 8080:8080 -v $PWD/runs/mnist-vae:/run:ro latentkit` serves the run mounted at /run.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY native ./native
COPY src ./src
COPY web ./web
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json ./
RUN npm ci && npm prune --omit=dev
USER node
EXPOSE 8080
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/cli/main.js", "serve", "/run", "--host", "0.0.0.0", "--port", "8080"]
