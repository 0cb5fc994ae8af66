import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from networks.formatting import date_range, day, day_month, number, percent, quantity


@pytest.mark.parametrize(
    ("value", "text"),
    [(49000, "49,000"), (Decimal("12.50"), "12.5"), (Decimal("1750.256"), "1,750.26"),
     (0, "0"), (None, "—"), ("20.00", "20")],
)  # fmt: skip
def test_number(value, text):
    assert number(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(49000, "£", "£49,000"), (Decimal("-20"), "€", "-€20"), (55, "%", "55%"),
     (1750, "hours", "1,750 hours"), (12, "", "12"), (None, "£", "—")],
)  # fmt: skip
def test_quantity_puts_currencies_first_and_other_units_after(value, unit, text):
    assert quantity(value, unit) == text


def test_percent_takes_a_fraction():
    assert percent(0.554) == "55%"
    assert percent(None) == "—"


def test_a_period_is_its_first_and_last_day():
    assert date_range(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == "1 Oct 2026 – 31 Oct 2026"
    assert day(dt.date(2026, 3, 9)) == "9 Mar 2026"


def test_day_month_writes_what_the_date_filter_wrote():
    moment = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
    assert day_month(moment) == Template('{{ m|date:"j M" }}').render(Context({"m": moment}))
    assert day_month(dt.date(2026, 3, 9)) == "9 Mar"
    assert day_month(None) == "—"


def test_templates_have_the_filters_without_loading_them():
    rendered = Template("{{ v|quantity:'£' }} {{ f|percent }} {{ d|day }}").render(
        Context({"v": 49000, "f": 0.55, "d": "2026-10-01"})
    )
    assert rendered == "£49,000 55% 1 Oct 2026"


def test_percent_rounds_halves_up_like_every_page():
    assert percent(0.625) == "63%"
    assert percent(0.125) == "13%"


def test_no_negative_zero_and_no_nan():
    assert quantity(Decimal("-0.001"), "£") == "£0"
    assert number(Decimal("NaN")) == "—"


def test_letter_currencies_take_a_space():
    assert quantity(49000, "CHF") == "CHF 49,000"
