# moat's container image. moat is compiled in the first stage and shipped
# alone in the last one: the binary, the shared libraries it needs, the CA
# bundle and nothing else (no shell, no package manager), run as 65532.
#
#   docker build -t moat --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#   docker run --rm -v "$PWD:/src" moat lint /src/Dockerfile
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" moat image docker://IMAGE
#
# Packages are pinned to Debian 12's upstream versions; the wildcard takes
# the point releases' security updates.
#
# Build arguments:
#   DEBIAN      the build stage's base, pinned by digest
#   MOAT_BUILD  the stage or image the last stage copies /out from: the
#               compile stage, or an image holding a tree that
#               packaging/docker/stage-runtime.sh wrote from a binary built
#               elsewhere (the compile stage is then skipped)
#   VERSION, REVISION, CREATED   for the org.opencontainers.image labels

ARG DEBIAN=debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
ARG MOAT_BUILD=build

FROM ${DEBIAN} AS build
# Hyperscan is built for x86-64 only; elsewhere Vectorscan has the same API.
ARG TARGETARCH
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN hyperscan="libhyperscan-dev=5.4.*" \
 && if [ "${TARGETARCH:-amd64}" != amd64 ]; then hyperscan="libvectorscan-dev=5.4.*"; fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends "${hyperscan}" \
      ca-certificates=202* cmake=3.25.* ninja-build=1.11.* g++=4:12.2.* pkg-config=1.8.* \
      libfmt-dev=9.1.* libcli11-dev=2.1.* nlohmann-json3-dev=3.11.* libyaml-cpp-dev=0.7.* \
      libsodium-dev=1.0.18* libarchive-dev=3.6.* libssl-dev=3.0.* libsqlite3-dev=3.40.* \
      libcurl4-openssl-dev=7.88.* zlib1g-dev=1:1.2.13* libzstd-dev=1.5.4* libisal-dev=2.30.* \
      libseccomp-dev=2.5.* \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG REVISION=unknown
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOAT_BUILD_TESTS=OFF \
      -DMOAT_STATIC_DEPS=ON -DCMAKE_UNITY_BUILD=ON -DMOAT_GIT_COMMIT="${REVISION}" \
 && cmake --build /build --target moat \
 && strip /build/src/moat \
 && packaging/docker/stage-runtime.sh /build/src/moat /out

FROM ${MOAT_BUILD} AS moat-build

FROM scratch
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="moat" \
      org.opencontainers.image.description="Container security: lint, scan, sign, profile and sandbox" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="the moat developers"
COPY --from=moat-build /out/ /
ENV HOME=/home/moat
USER 65532:65532
WORKDIR /src
# moat is a command, not a service: there is nothing to probe.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/moat"]
CMD ["--help"]
