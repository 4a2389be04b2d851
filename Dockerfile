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
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 10001 reconcile
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER reconcile
WORKDIR /work
ENV RECONCILE_METRICS_ADDR=0.0.0.0:9464
EXPOSE 9464
ENTRYPOINT ["reconcile"]
CMD ["run"]
