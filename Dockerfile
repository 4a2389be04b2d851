# The reconciler as a container: slim, non-root, `reconcile` as the entrypoint, running the
# daemon by default (`reconcile run`: specs mounted at /work, or `run --git URL ...`); git for
# the GitOps source. Metrics and health on 0.0.0.0:9464 inside the container.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY reconciler ./reconciler
COPY specs ./specs
COPY controllers ./controllers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# /work is created (and owned) by the user, not by WORKDIR as root, so the reconciler can write
# client configs and the like there: `docker run -v "$PWD:/work" ...`. git: the daemon's GitOps source.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 reconcile && install -d -o reconcile -g reconcile /work
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER reconcile
WORKDIR /work
ENV RECONCILE_METRICS_ADDR=0.0.0.0:9464
# 9464: the daemon's /metrics, /healthz, /readyz. 4566: `docker run -p 4566:4566 IMAGE emulator
# --host 0.0.0.0` (the default host is loopback only).
EXPOSE 9464 4566
ENTRYPOINT ["reconcile"]
CMD ["run"]
