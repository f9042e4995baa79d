# ArBot, headless, in a container: slim, not root, the database and arbot.toml on the
# /data volume, healthy while /api/health says so. See deploy/compose.yaml and the README
# ("In a container").
#
#   docker build -t arbot .
#   docker run -d --name arbot -v arbot-data:/data -p 127.0.0.1:8765:8765 \
#       -e ARBOT_API_TOKEN=$(openssl rand -hex 32) arbot

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY arbot ./arbot
RUN python -m venv /opt/arbot \
 && /opt/arbot/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin arbot \
 && mkdir /data && chown arbot:arbot /data
COPY --from=build /opt/arbot /opt/arbot
# The API serves the health check, so it is on, and it listens on every interface of the
# container so a published port reaches it (publish it on 127.0.0.1 only, as compose does).
# It still refuses to start without ARBOT_API_TOKEN (at least 16 characters).
ENV PATH=/opt/arbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ARBOT_API__ENABLED=true \
    ARBOT_API__HOST=0.0.0.0 \
    ARBOT_API__ALLOW_NON_LOOPBACK=true
# /data/arbot.toml is read when present (defaults otherwise); the database is /data/arbot.db.
WORKDIR /data
VOLUME ["/data"]
USER arbot
EXPOSE 8765
# 200 while the engine ticks and at least two venues are live; 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/api/health', timeout=4)"]
# SIGTERM (docker stop) closes the feeds and flushes the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["arbot"]
CMD ["--no-ui"]
