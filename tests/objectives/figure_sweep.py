"""The sweep of figures the rollup tests compare with figures.ROLLUP on and off."""

import datetime as dt

from objectives import figures
from objectives.models import MeasureTotal


def measure_totals() -> set:
    """The MeasureTotal rows, as (measure, group, value)."""
    return set(MeasureTotal.objects.values_list("measure_id", "group_id", "value"))


def every_figure(measures, groups, network=None) -> list:
    """Every reader the pages use, over ranges that start and end mid-month and on the 1st."""
    out: list = []
    bounds = [None, dt.date(2025, 1, 1), dt.date(2025, 3, 14), dt.date(2025, 12, 1)]
    ends = [dt.date(2025, 6, 1), dt.date(2025, 9, 20), dt.date(2026, 7, 1), dt.date(2026, 7, 9)]
    # After every row, as today is: a value over all days then comes from MeasureTotal.
    ends += [dt.date(2027, 1, 1), dt.date(2027, 1, 20)]
    for end in ends:
        for start in bounds:
            if start is not None and start >= end:
                continue
            out.append(figures.measure_values(measures, start=start, end=end))
            out.append(figures.measure_values_by_group(measures, start=start, end=end))
            if network is not None:
                out.append(
                    figures.activity_counts_by_month(
                        network, start=start or dt.date(2024, 12, 1), end=end
                    )
                )
                out.append(
                    figures.activity_figures(
                        network,
                        group_ids=[g.pk for g in groups],
                        start=start or dt.date(2024, 12, 1),
                        end=end,
                    )
                )
        for period in ("month", "week"):
            out.append(
                figures.measure_series(measures, start=dt.date(2025, 2, 3), end=end, period=period)
            )
            for g in groups:
                out.append(
                    figures.group_parts_and_readings(
                        measures, group_id=g.pk, start=dt.date(2025, 1, 20), end=end, period=period
                    )
                )
    return out
