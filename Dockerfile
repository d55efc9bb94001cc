# syntax=docker/dockerfile:1
# The one image for web (gunicorn), worker (celery worker) and beat (celery beat).
# Build: docker build -t safeguarding .   Run: see docker-compose.yml and README.md.

# Front-end packages (GOV.UK Frontend, htmx) from package-lock.json.
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=safeguarding.settings

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

# Static sources are read from node_modules by collectstatic (and named in STATICFILES_DIRS).
COPY --from=frontend /build/node_modules ./node_modules
COPY . .

# Hashed, compressed static files for WhiteNoise. The key is a throwaway used only for this step;
# the running containers must be given their own SECRET_KEY.
RUN DEBUG=0 SECRET_KEY=build-time-only-not-secret python manage.py collectstatic --no-input \
    && mkdir -p var/media \
    && chown -R app:app var

USER app

EXPOSE 8000

# WEB_CONCURRENCY (read by gunicorn) sets the number of worker processes. No control socket:
# the app user cannot write to its home directory, and nothing here uses it.
CMD ["gunicorn", "safeguarding.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60", "--no-control-socket"]
