"""Figures stay fresh: every write that can change a figure retires the cached dashboard.

Signals rather than calls in each service, because figures change through every path
(pages, the Django admin, the API, management commands, the shell) and a path that forgot
would show stale numbers. The handlers only invalidate a cache: no business logic here.
(`seed_scale` bulk-loads without signals, but only into a new network, which has no
cached figures yet.)
"""

from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from groups.models import Activity, PeerGroup
from networks.models import Network
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


def connect() -> None:
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
