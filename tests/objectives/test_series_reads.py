"""A monthly series reads history once (its opening values come from the same monthly
read), and every referral source is one query: the figures stay those of the definition,
with the rollups and without them."""

import datetime as dt
from decimal import Decimal

import pytest

from objectives import figures
from objectives.models import Measure
from tests.factories import CheckInFactory, MeasureFactory
from tests.objectives.test_referral_rollup import referral_history  # noqa: F401
from tests.objectives.test_rollup import random_history  # noqa: F401

Source = Measure.Source
ENDS = [dt.date(2025, 6, 1), dt.date(2025, 9, 20), dt.date(2026, 7, 1), dt.date(2026, 7, 9)]
ENDS += [dt.date(2027, 1, 20)]  # after every row: this month whole from the rollups, totals
STARTS = [dt.date(2025, 1, 1), dt.date(2025, 2, 3), dt.date(2025, 11, 20)]


def _with_manual(measures: list[Measure], group) -> list[Measure]:
    """A manual measure with network-wide and group readings before and in the series."""
    manual = MeasureFactory(
        objective=measures[0].objective, source=Source.MANUAL, baseline=Decimal("7")
    )
    for day, value, with_group in [
        (dt.date(2024, 12, 30), "3", False),
        (dt.date(2025, 1, 31), "5", False),
        (dt.date(2025, 2, 1), "99", True),  # a group's reading: never the network's value
        (dt.date(2025, 4, 10), "0", False),
        (dt.date(2025, 12, 1), "11", False),
        (dt.date(2025, 12, 1), "12", False),  # same day, later row: the latest
    ]:
        CheckInFactory(
            measure=manual,
            value=Decimal(value),
            recorded_on=day,
            group=group if with_group else None,
        )
    bare = MeasureFactory(  # no reading at all: its baseline throughout
        objective=measures[0].objective, source=Source.MANUAL, baseline=Decimal("4")
    )
    return [*measures, manual, bare]


def _by_definition(measures, start, end) -> dict:
    """Each point is the value at the end of its month (or at `end`), read on its own."""
    starts = figures.period_starts(start, end, "month")
    ends = [min(figures.period_after(day, "month"), end) for day in starts]
    values = [figures.measure_values(measures, start=None, end=e) for e in ends]
    return {m.pk: [(day, v[m.pk]) for day, v in zip(starts, values, strict=True)] for m in measures}


def _series(measures) -> list:
    return [
        figures.measure_series(measures, start=start, end=end, period="month")
        for end in ENDS
        for start in STARTS
        if start < end
    ]


def _definitions(measures) -> list:
    return [_by_definition(measures, start, end) for end in ENDS for start in STARTS if start < end]


@pytest.mark.parametrize("rolled", [True, False])
def test_a_monthly_series_is_each_months_value_at_its_end(
    random_history,  # noqa: F811
    referral_history,  # noqa: F811
    monkeypatch,
    rolled,
):
    measures = _with_manual(random_history[0] + referral_history[0], random_history[1][0])
    monkeypatch.setattr(figures, "ROLLUP", rolled)
    series = _series(measures)
    assert series == _definitions(measures)
    assert any(value for s in series for points in s.values() for _, value in points)


def test_a_monthly_series_reads_each_kind_of_source_once(
    referral_history,  # noqa: F811
    django_assert_num_queries,
):
    measures = figures._with_objectives(referral_history[0])
    # whether anything is dated from the end on (there is: the rows are read), then all
    # three referral sources (two measures each) in one UNION
    end = dt.date(2026, 7, 9)
    with django_assert_num_queries(2):
        figures.measure_series(measures, start=dt.date(2025, 2, 3), end=end, period="month")
    with django_assert_num_queries(2):
        figures.measure_values_by_group(measures, end=end)


SHARES = [0.0, 1e-05, 0.005, 0.015, 2.675, 1.005, 99.995, 33.333333333333336, 66.66666666666667]


def test_the_group_parts_filter_renders_what_the_template_loop_did():
    from types import SimpleNamespace

    from django.template import Context, Template

    parts = [
        SimpleNamespace(group=SimpleNamespace(name=name), value=value, share=share)
        for name, value, share in [
            ("Soil & <Seed>", Decimal("1234.5"), 100.0),
            ("Bees", Decimal("3"), 0.2430),
            ("Elm", Decimal("0"), 12.345),
            *((f"G{i}", Decimal(i), share) for i, share in enumerate(SHARES)),
        ]
    ]
    loop = Template(
        "{% for part in parts %}"
        '<li><span class="part-name">{{ part.group.name }}</span><svg class="part-bar" '
        'viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect x="0" y="0" '
        'width="{{ part.share|floatformat:\'2u\' }}" height="8" rx="2"/></svg>'
        '<span class="figure">{{ part.value|quantity:unit }}</span></li>'
        "{% if not forloop.last %}\n{% endif %}{% endfor %}"
    )
    expected = loop.render(Context({"parts": parts, "unit": "£"}))
    rendered = Template("{{ parts|group_parts:unit }}").render(
        Context({"parts": parts, "unit": "£"})
    )
    assert rendered == expected
    assert "Soil &amp; &lt;Seed&gt;" in rendered and 'width="12.35"' in rendered
