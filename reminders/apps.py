from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        from commitments.signals import loop_changed

        from .services import planning

        def on_loop_changed(sender, rep_id, now, **kwargs):
            planning.reminder_schedule_for_rep(rep_id=rep_id, now=now)

        loop_changed.connect(on_loop_changed, weak=False, dispatch_uid="reminders.plan")
