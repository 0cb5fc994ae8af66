"""Template filters for figures: `{% load grove %}` then `{{ value|quantity:unit }}`.

They are networks.formatting's functions, so templates, mails and code format alike.
"""

import datetime as dt
from decimal import Decimal

from django import template

from networks import formatting

register = template.Library()


@register.filter
def number(value: object) -> str:
    return formatting.number(value)


@register.filter
def quantity(value: object, unit: str = "") -> str:
    return formatting.quantity(value, unit)


@register.filter
def percent(fraction: float | Decimal | None) -> str:
    return formatting.percent(fraction)


@register.filter
def day(value: dt.date | str | None) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return formatting.MISSING
    return formatting.day(value)


@register.simple_tag
def date_range(first: dt.date | str, last: dt.date | str) -> str:
    """{% date_range period_start last_day %}; ISO strings (report snapshots) are read too."""
    if isinstance(first, str):
        first = dt.date.fromisoformat(first)
    if isinstance(last, str):
        last = dt.date.fromisoformat(last)
    return formatting.date_range(first, last)
