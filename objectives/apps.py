from django.apps import AppConfig


class ObjectivesConfig(AppConfig):
    name = "objectives"

    def ready(self) -> None:
        from objectives import signals

        signals.connect()
        signals.connect_people()
