"""Figures stay fresh: every write that can change a figure retires the cached dashboard
and recomputes the monthly rollups it touched (objectives.rollup: activities,
contributions, referrals).

Signals rather than calls in each service, because figures change through every path
(pages, the Django admin, the API, management commands, the shell) and a path that forgot
would show stale numbers. The handlers only invalidate a cache and keep derived tables
equal to their rows: no business logic here. (`seed_scale` bulk-loads without signals, but
only into a new network, which has no cached figures yet, and rebuilds its rollups.)
"""

import datetime as dt
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

from groups.models import Activity, PeerGroup
from networks.models import Network
from objectives import rollup
from objectives.dashboards import forget_network_dashboard
from objectives.models import CheckIn, Contribution, Measure, Objective
from referrals.models import Referral


@lru_cache(maxsize=4096)
def _measure_network(measure_id: int) -> int | None:
    # A measure never moves to another network: one query per measure, not per reading.
    return (
        Measure.objects.filter(pk=measure_id)
        .values_list("objective__network_id", flat=True)
        .first()
    )


@lru_cache(maxsize=4096)
def _activity_network(activity_id: int) -> int | None:
    return Activity.objects.filter(pk=activity_id).values_list("network_id", flat=True).first()


def _network_id(instance: Any) -> int | None:
    if isinstance(instance, Network):
        return instance.pk
    if isinstance(instance, Activity | Referral | Objective | PeerGroup):
        return instance.network_id
    if isinstance(instance, Measure):
        return _measure_network(instance.pk) if instance.pk else None
    if isinstance(instance, CheckIn):
        return _measure_network(instance.measure_id)
    if isinstance(instance, Contribution):
        return _activity_network(instance.activity_id)
    return None


def figures_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    network_id = _network_id(instance)
    if network_id is not None:
        transaction.on_commit(lambda: forget_network_dashboard(network_id), robust=True)


# ---------------------------------------------------------------- rollups


def _loaded_cell(instance: Activity) -> rollup.Cell | None:
    # From __dict__: a deferred field must not cost a query for every activity loaded.
    group_id, day = instance.__dict__.get("group_id"), instance.__dict__.get("occurred_on")
    if isinstance(day, str):  # assigned from text and not yet cleaned
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return None
    return None if group_id is None or day is None else (group_id, rollup.month_of(day))


def activity_loaded(sender: type, instance: Activity, **kwargs: Any) -> None:
    """Remember the cell an activity was in, so that moving it refreshes both cells."""
    instance._rollup_cell = _loaded_cell(instance)  # type: ignore[attr-defined]


def activity_written(sender: type, instance: Activity, **kwargs: Any) -> None:
    cells = [c for c in (getattr(instance, "_rollup_cell", None), _loaded_cell(instance)) if c]
    rollup.refresh_cells(cells)
    instance._rollup_cell = _loaded_cell(instance)  # type: ignore[attr-defined]


def referral_loaded(sender: type, instance: Referral, **kwargs: Any) -> None:
    """Remember what a referral's figures read, so that a save moves the figures out of
    the cells they were in, and a save that changes none of them costs no refresh."""
    instance._rollup_state = rollup.referral_state(instance)  # type: ignore[attr-defined]


def referral_written(sender: type, instance: Referral, **kwargs: Any) -> None:
    before = getattr(instance, "_rollup_state", None)
    after = rollup.referral_state(instance)
    if kwargs.get("created") or "created" not in kwargs or before != after:  # delete: always
        cells = rollup.referral_cells(after) + (rollup.referral_cells(before) if before else [])
        rollup.refresh_referral_cells(cells)
    instance._rollup_state = after  # type: ignore[attr-defined]


def contribution_written(sender: type, instance: Contribution, **kwargs: Any) -> None:
    rollup.refresh_cells(rollup.activity_cells(instance.activity_id), activities=False)


def connect() -> None:
    post_init.connect(activity_loaded, sender=Activity, dispatch_uid="rollup-activity-init")
    post_init.connect(referral_loaded, sender=Referral, dispatch_uid="rollup-referral-init")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(activity_written, sender=Activity, dispatch_uid=f"rollup-activity-{name}")
        signal.connect(referral_written, sender=Referral, dispatch_uid=f"rollup-referral-{name}")
        signal.connect(
            contribution_written, sender=Contribution, dispatch_uid=f"rollup-contribution-{name}"
        )
    # Network: its tolerance moves every status; PeerGroup: names show in the charts.
    for model in (
        Activity,
        Referral,
        Objective,
        Measure,
        CheckIn,
        Contribution,
        Network,
        PeerGroup,
    ):
        post_save.connect(figures_changed, sender=model, dispatch_uid=f"figures-{model.__name__}")
        post_delete.connect(
            figures_changed, sender=model, dispatch_uid=f"figures-del-{model.__name__}"
        )
    m2m_changed.connect(
        figures_changed, sender=Activity.participants.through, dispatch_uid="figures-participants"
    )
