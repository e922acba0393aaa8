# The RESLOG bot: `reslog serve` (webhooks), `reslog worker` (outbox, scheduler, digests) and
# `reslog db upgrade`, from one image. Settings come from the environment (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:////data/reslog.db

RUN useradd --system --create-home --home-dir /home/reslog --uid 10001 reslog \
    && mkdir /data && chown reslog /data

WORKDIR /app
COPY pyproject.toml requirements.lock README.md babel.cfg Procfile ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
COPY examples ./examples
RUN pip install -r requirements.lock \
    && pip install --no-deps -e . \
    && pybabel compile -D messages -d locales \
    && reslog --help > /dev/null

USER reslog
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=4)"]
ENTRYPOINT ["reslog"]
CMD ["serve"]
