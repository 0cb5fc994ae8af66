"""Filters for reading report snapshots, which keep their days as ISO strings (JSON)."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def isodate(value: str | dt.date | None) -> dt.date | None:
    """'2026-10-29' -> date(2026, 10, 29), so the `date` filter can format it."""
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
