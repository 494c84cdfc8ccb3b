# syntax=docker/dockerfile:1
#
# One image, two targets (DESIGN §2 and §5):
#   lambda  AWS Lambda container image; the handler is the Chalice app object (app.app)
#   http    the default (last stage): gunicorn serving the same app object on port 3000
#
#   docker build -t taskapp .                       # http
#   docker run -p 3000:3000 taskapp                 # works with no other configuration
#   docker build --target lambda -t taskapp:lambda .
#
# With no DynamoDB endpoint and no AWS credentials, the http image runs the native
# stack's DynamoDB emulator inside the container, its data in /data (mount a volume to
# keep it); see local/entrypoint.py.
#
# Base images are pinned to exact tags; bump them deliberately (and consider pinning
# digests in CI). The Lambda base is AWS's own image, as published under amazon/.
ARG PYTHON_BASE=python:3.11.11-slim-bookworm
ARG LAMBDA_BASE=amazon/aws-lambda-python:3.11.2024.11.22.15

# ---- build: the project (layers/ = taskcore) and its dependencies in a venv ---------
# `local` adds moto's server, which the entrypoint runs when no store is configured.
FROM ${PYTHON_BASE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Metadata first, sources second: only the last layers change when code changes.
COPY pyproject.toml README.md ./
COPY layers ./layers
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install ".[serve,local]"

# ---- lambda: API Gateway + Lambda run this ------------------------------------------
# Installed with the Lambda image's own pip so that binary wheels (bcrypt, pydantic-core)
# match its older glibc. The runtime dependencies only: no gunicorn, no moto.
FROM ${LAMBDA_BASE} AS lambda
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md /tmp/src/
COPY layers /tmp/src/layers
RUN pip install --target "${LAMBDA_TASK_ROOT}" /tmp/src \
 && rm -rf /tmp/src
COPY functions/app.py ${LAMBDA_TASK_ROOT}/
COPY functions/chalicelib ${LAMBDA_TASK_ROOT}/chalicelib
CMD ["app.app"]

# ---- http: the container HTTP server (default target) -------------------------------
FROM ${PYTHON_BASE} AS http
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000 \
    WEB_CONCURRENCY=2 \
    TASKAPP_DATA_DIR=/data
# /data: the embedded store's snapshot and the signing key, owned by the runtime user
# (a named volume mounted there starts as a copy of it, ownership included).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app \
 && mkdir -p /data \
 && chown app:app /data \
 && chmod 700 /data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY functions ./functions
# The scheduler and mail services of docker compose run from this image too (the `local`
# extra installed aiosmtpd for local/mailserver.py).
COPY local/scheduler.py local/worker_pool.py local/entrypoint.py local/keyfile.py \
     local/dynamodb_emulator.py local/mailserver.py ./local/
# Compiled once at build time: the runtime user cannot (and need not) write here.
RUN python -m compileall -q functions local
VOLUME /data
USER app:app
EXPOSE 3000
# No curl in a slim image: the standard library does the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/v1/health', timeout=2)" || exit 1
# gunicorn with functions/gunicorn.conf.py, on the configured store or on the embedded one.
CMD ["python", "-m", "local.entrypoint"]
