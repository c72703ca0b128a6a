# One image for every CoachLoop process: web (gunicorn), worker and beat
# (Celery), and the one-shot migrate. docker-compose.yml picks the command.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --system --create-home --uid 10001 coachloop

# Dependencies first (the runtime ones, pinned in pyproject.toml), so that a
# code change does not reinstall them.
COPY pyproject.toml ./
COPY scripts/requirements.py scripts/
RUN python scripts/requirements.py > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Hashed, compressed static files for whitenoise. With DEBUG off the settings
# insist on a secret and hosts; these build-time ones never serve a request.
RUN DEBUG=false ALLOWED_HOSTS=localhost \
    SECRET_KEY=build-time-only-collectstatic-never-used-to-serve-requests \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown coachloop /app/var

USER coachloop
EXPOSE 8000
ENV PROCESS_NAME=web
CMD ["gunicorn", "coachloop.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
