from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        # The floors below call up through signals; importing them here is
        # Django's place for it (models are ready), not a cycle dodge.
        from django.db import transaction

        from commitments.signals import check_recorded, commitment_made, loop_changed
        from reps.signals import email_requested

        from . import tasks
        from .services import delivery, planning

        def on_loop_changed(sender, rep_id, now, **kwargs):
            if planning.reminder_schedule_for_rep(rep_id=rep_id, now=now):
                # "Need help", a new one thing, "You kept it": out now, not at the next tick.
                transaction.on_commit(tasks.sweep_soon)

        def on_email_requested(sender, kind, person, by, **kwargs):
            planning.reminder_request_email(kind=kind, recipient=person, by=by)
            # Out now rather than at the next tick; the tick catches it otherwise.
            transaction.on_commit(tasks.sweep_soon)
            return kind

        def on_check_recorded(sender, check, now, correction=None, **kwargs):
            if delivery.webhook_record_check(check=check, now=now, correction=correction):
                transaction.on_commit(tasks.sweep_soon)

        def on_commitment_made(sender, commitment, now, **kwargs):
            if delivery.webhook_record_commitment(commitment=commitment, now=now):
                transaction.on_commit(tasks.sweep_soon)

        loop_changed.connect(on_loop_changed, weak=False, dispatch_uid="reminders.plan")
        check_recorded.connect(on_check_recorded, weak=False, dispatch_uid="reminders.hook_check")
        commitment_made.connect(
            on_commitment_made, weak=False, dispatch_uid="reminders.hook_commitment"
        )
        email_requested.connect(on_email_requested, weak=False, dispatch_uid="reminders.email")
