"""Database ids from outside (URLs, form fields) are range-checked before any query.

An id past a 64-bit integer makes SQLite raise OverflowError (a 500) instead of answering
404 or a field error. Every URL id uses the `<id:...>` converter below (registered in
networks.apps; tests/test_cross_network.py fails when a pattern uses `<int:...>` again),
and a form choosing several objects by id uses `ModelMultipleIdField`.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1  # the largest BigAutoField value on SQLite and PostgreSQL alike


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            # ValueError makes the resolver treat the path as not matching: a plain 404.
            raise ValueError("id out of range")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class ModelMultipleIdField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose ids are checked to be ids before the `__in` query
    (the single-choice field already turns an overflow into "not a valid choice")."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value if isinstance(value, (list, tuple)) else [value]:
                text = str(pk)
                if text.isdigit() and int(text) > MAX_ID:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]  # private: not in the stubs
