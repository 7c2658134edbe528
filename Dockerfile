# supportchat: gunicorn with one gevent worker, as a non-root user.
#   docker build -t supportchat:latest .
#   docker run --env-file .env -p 127.0.0.1:5000:5000 supportchat:latest
# The image runs the same command as outside containers: gunicorn -c gunicorn.conf.py wsgi:app
# (gunicorn.conf.py applies migrations and creates the first admin before starting workers).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY supportchat ./supportchat
# Dependencies only: the code runs from /app, next to migrations/ (see app.MIGRATIONS).
RUN /venv/bin/pip install . && /venv/bin/pip uninstall --yes supportchat

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin supportchat \
    && mkdir -p /data/instance /data/uploads && chown -R supportchat:supportchat /data
COPY --from=build /venv /venv
WORKDIR /app
COPY wsgi.py gunicorn.conf.py ./
COPY migrations ./migrations
COPY supportchat ./supportchat
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    SUPPORTCHAT_ENV=production \
    HOST=0.0.0.0 \
    PORT=5000 \
    INSTANCE_PATH=/data/instance \
    UPLOAD_DIR=/data/uploads
USER supportchat
VOLUME ["/data"]
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/readyz', timeout=4)"]
# Exec form: gunicorn is PID 1 and gets SIGTERM itself (graceful stop, exit code 0).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
