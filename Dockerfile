# syntax=docker/dockerfile:1
# The connector on Debian bookworm with Debian's own Chromium and Python 3.11, run as a fixed
# non-root uid. Nothing secret is baked in: credentials arrive as environment variables at run
# time (deploy/README.md). Targets: `runtime` (the default, last stage) and `demo` (adds the
# fixture portal so `docker run IMAGE demo` works with no account anywhere).
#
#   docker build -t tessian-connector .                 # runtime
#   docker build --target demo -t tessian-connector:demo .
#
# BASE_IMAGE is an argument only so a registry mirror (or a locally built bookworm) can stand in.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS base
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# tini reaps Chromium's helper processes (PID 1 otherwise leaves zombies behind); fonts give
# screenshots legible text; ca-certificates for the portal's and the providers' TLS; libatomic1
# for the node binary inside the playwright wheel (without it the driver dies at start).
# Unpinned on purpose: a rebuild should take bookworm's security updates (Chromium's above all).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv chromium ca-certificates tini fonts-liberation libatomic1 \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid (10001) so persistent volumes can be chowned ahead of time (fsGroup, chown).
RUN groupadd --system --gid 10001 connector \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/connector --create-home \
      --shell /usr/sbin/nologin connector

FROM base AS build
# A build behind a TLS-intercepting proxy needs its CA (deploy/docker/ca-certificates/*.crt,
# none by default); pip is told to use the system bundle, which then includes it. Build stage
# only: the runtime image keeps Debian's bundle.
COPY deploy/docker/ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
WORKDIR /src
COPY pyproject.toml README.md ./
COPY connector ./connector
COPY flows ./flows
# A non-editable install into a venv (Debian's python3 refuses system-wide pip, PEP 668).
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install /src

FROM build AS build-demo
RUN /opt/venv/bin/pip install '/src[demo]'

FROM base AS app
COPY --from=build /opt/venv /opt/venv
# The connector finds /usr/bin/chromium on PATH by itself; saying so makes `doctor` explicit.
ENV PATH=/opt/venv/bin:$PATH \
    TESSIAN_BROWSER_EXECUTABLE=/usr/bin/chromium \
    HOME=/home/connector
# .state (session storage state, history.sqlite, TOTP lock) and reports/ are relative to the
# working folder by default: both are volumes under /data, owned by the connector's uid.
WORKDIR /data
RUN mkdir -p /data/.state /data/reports && chown -R 10001:10001 /data && chmod 0700 /data/.state
USER 10001:10001
VOLUME ["/data/.state", "/data/reports"]
# A run-to-completion job, not a service: its exit code (0/1/2/3) is its health.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/tini", "--", "tessian-connector"]
CMD ["--help"]

FROM app AS demo
COPY --from=build-demo /opt/venv /opt/venv
# The demo runs the fixture servers from a source checkout found in the working folder.
COPY fixtures /data/fixtures

FROM app AS runtime
