from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"

    def ready(self) -> None:
        from django.urls import register_converter

        from networks import checks  # noqa: F401 - registers the deploy checks
        from networks.ids import IdConverter

        # Before any URLconf loads (they load lazily, after the apps are ready).
        register_converter(IdConverter, "id")
