"""Template filters for figures: `{% load grove %}` then `{{ value|quantity:unit }}`.

They are networks.formatting's functions, so templates, mails and code format alike.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


# ---------------------------------------------------------------- lists of many rows

GROUP_PART = (
    '<li><span class="part-name">{}</span><svg class="part-bar" viewBox="0 0 100 8" '
    'preserveAspectRatio="none" aria-hidden="true"><rect x="0" y="0" width="{}" height="8" '
    'rx="2"/></svg><span class="figure">{}</span></li>'
)


HUNDREDTH = Decimal("0.01")


def _two_places(share: float) -> str:
    """floatformat:'2u' for a bar's percent (as floatformat rounds: the float's shortest
    repr, half up), without floatformat's localisation machinery, a part of the cost of
    every row."""
    return str(Decimal(repr(share)).quantize(HUNDREDTH, ROUND_HALF_UP))


@register.filter
def group_parts(parts: list, unit: str = "") -> SafeString:
    """A measure card's by-group rows (objects with group, value and share, the bar's
    percent): a network's measure has a part for each of hundreds of groups, and one
    format of escaped text per row costs a fraction of a template loop's (or of
    format_html's, which checks every argument for being safe already)."""
    rows = (
        GROUP_PART.format(
            escape(part.group.name),
            _two_places(part.share),
            escape(formatting.quantity(part.value, unit)),
        )
        for part in parts
    )
    return mark_safe("\n".join(rows))  # noqa: S308 - every piece of text escaped above


LINK_ITEM = '<li><a href="{}">{}</a></li>'


@register.filter
def link_items(links: list[tuple[str, str]]) -> SafeString:
    """(text, address) pairs as list items of links: a network's hundreds of groups, one
    format of escaped text each instead of a template loop's lookups."""
    rows = (LINK_ITEM.format(escape(address), escape(text)) for text, address in links)
    return mark_safe("".join(rows))  # noqa: S308 - every piece of text escaped above
