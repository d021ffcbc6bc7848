# connector-executor: the job service (`connector-executor serve`) on port 8080.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY executor ./executor
COPY js_runtime ./js_runtime
COPY fixtures ./fixtures
# Editable, so the package resolves its built-in example connectors at /app/fixtures/connectors
# (serve's default --connectors is found relative to the package's own location).
RUN pip install -e . \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin executor

USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"]
CMD ["connector-executor", "serve", "--host", "0.0.0.0"]
