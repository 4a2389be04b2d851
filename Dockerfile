# The reconciler as a container: slim, non-root, `reconcile` as the entrypoint.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY reconciler ./reconciler
COPY specs ./specs
COPY controllers ./controllers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 reconcile
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER reconcile
WORKDIR /work
ENTRYPOINT ["reconcile"]
CMD ["--help"]
