"""The Celery app: Redis broker, JSON only, beat schedule from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachloop.settings")

app = Celery("coachloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
