# The gobgpd sidecar of the speaker DaemonSet: Debian's gobgpd 3.10 (bookworm), nothing else.
#   docker build -f deploy/images/gobgpd.Dockerfile -t ghcr.io/openelb-ts/gobgpd:3.10 deploy/images
# It runs as root on purpose: BGP listens on port 179 (< 1024), which needs CAP_NET_BIND_SERVICE, and
# Kubernetes cannot give a non-root process effective capabilities. The DaemonSet drops every
# capability but NET_BIND_SERVICE and keeps the root filesystem read-only. gRPC is bound to the
# node's loopback only (--api-hosts=127.0.0.1:50051), set in deploy/speaker/daemonset.yaml.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends gobgpd \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 179
ENTRYPOINT ["/usr/bin/gobgpd"]
