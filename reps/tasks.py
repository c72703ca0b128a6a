"""Celery tasks of the people floor. Thin: each calls one service."""

import logging

from celery import shared_task

from .signup import sign_ups_unverified_purge

log = logging.getLogger(__name__)


@shared_task(name="reps.tasks.purge_unverified_sign_ups", ignore_result=True)
def purge_unverified_sign_ups() -> None:
    if deleted := sign_ups_unverified_purge():
        log.info("Deleted %d sign-up(s) never verified", deleted)
