"""System checks Grove adds to `manage.py check --deploy`."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

W001 = "grove.W001"


@register(Tags.security, deploy=True)
def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Invitation and report mails link to SITE_URL: outside DEBUG it must be the public
    https address, not the development default."""
    if settings.DEBUG:
        return []
    site_url = getattr(settings, "SITE_URL", "")
    parts = urlsplit(site_url)
    if parts.scheme == "https" and parts.hostname not in (None, "", "127.0.0.1", "localhost"):
        return []
    return [
        Warning(
            f"SITE_URL is {site_url!r}: links in invitation and report mails would point there.",
            hint="Set SITE_URL to the site's public https address, e.g. https://grove.example.org.",
            id=W001,
        )
    ]
