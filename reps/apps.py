from django.apps import AppConfig


class RepsConfig(AppConfig):
    name = "reps"
    verbose_name = "People and organisations"
