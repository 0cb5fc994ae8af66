from django.apps import AppConfig


class HubConfig(AppConfig):
    """Pages that show several apps at once; the only app above objectives (see README, Layers)."""

    name = "hub"
