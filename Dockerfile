# One image for every CoachLoop process: web (gunicorn), worker and beat
# (Celery), and the one-shot migrate. docker-compose.yml picks the command.
# The build steps live in scripts/build-image, which CI runs too
# (.ci/image-build): change them there, not here.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app
# The app runs as coachloop and writes only to /app/var (beat's schedule);
# .dockerignore keeps var/ out of the build context, so COPY leaves it alone.
RUN useradd --system --user-group --create-home --uid 10001 coachloop \
    && install -d -o coachloop -g coachloop /app/var

# Dependencies first (the runtime ones, pinned in pyproject.toml), so that a
# code change does not reinstall them.
COPY pyproject.toml ./
COPY scripts/requirements.py scripts/build-image scripts/
RUN scripts/build-image deps

COPY . .

# Hashed, compressed static files for whitenoise, collected under production
# settings with build-time-only values (see the script).
RUN scripts/build-image static

USER coachloop
EXPOSE 8000
ENV PROCESS_NAME=web
CMD ["gunicorn", "coachloop.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
