from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"

    def ready(self) -> None:
        from reps.signals import person_changed

        from . import services

        def on_person_changed(sender, person, fields, **kwargs):
            services.rep_setup_changed(person=person, fields=fields)

        person_changed.connect(on_person_changed, weak=False, dispatch_uid="commitments.setup")
