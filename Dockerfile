# The portal's image: one image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 1000 portal
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=portal:portal . .
# Static files are collected at build time and served by WhiteNoise. The build needs a secret
# key to import the settings; it is not the one the container runs with.
RUN SECRET_KEY=build-only-not-used-at-run-time-$(date +%s)-padding-padding-padding \
    DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown portal:portal /app/media

USER portal
EXPOSE 8000
CMD ["gunicorn", "coo_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
