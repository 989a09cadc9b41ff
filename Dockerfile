# The `srop` command in a container (for `srop run` on a cluster: deploy/). CPU only: the model runs
# on onnxruntime-node's CPU provider and the SROPs on the float64 CPU engine (--backend cpu).
#   docker build -t srop .
#   docker run --rm -v "$PWD/data:/data" srop run --model /data/model.onnx --backend cpu --format json --out /data/out/all.json /data/images
FROM node:20-bookworm-slim

WORKDIR /opt/srop
# Dependencies first (a layer that changes only with the lock file), without install scripts: the
# only one needed is none (onnxruntime-node's would fetch its optional CUDA provider; the CPU
# provider is in the npm package). `prepare` (the command's build) runs once the sources are in.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build:cli && npm prune --omit=dev --no-audit --no-fund \
 && printf '#!/bin/sh\nexec node /opt/srop/bin/srop.mjs "$@"\n' > /usr/local/bin/srop && chmod 755 /usr/local/bin/srop

# Runs as the image's unprivileged user; results go wherever --out points (a mounted volume).
USER node
WORKDIR /data
ENTRYPOINT ["srop"]
CMD ["--help"]
