"""Text people type: names, titles, missions and sound bites must show something."""

import unicodedata

from django import forms

# Letters and symbols that draw nothing although Unicode does not file them as spaces.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _invisible(char: str) -> bool:
    # Cc control, Cf format (zero-width space and joiners, bidi marks, BOM), Z* separators.
    return (
        char.isspace()
        or unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}
        or char in BLANK_CHARACTERS
    )


def visible_text(value: str) -> str:
    """`value` without the invisible characters at either end; "" when nothing is visible.

    Inner ones stay: a zero-width joiner inside an emoji sequence is part of what it shows.
    """
    start, end = 0, len(value)
    while start < end and _invisible(value[start]):
        start += 1
    while end > start and _invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def required_text(value: str, message: str) -> str:
    """The visible text, or a form error with `message` when there is none."""
    value = visible_text(value)
    if not value:
        raise forms.ValidationError(message)
    return value
