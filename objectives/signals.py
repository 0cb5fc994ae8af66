"""Figures stay fresh: every write that can change a figure retires the cached dashboard.

Signals rather than calls in each service, because figures change through every path
(pages, the Django admin, the API, management commands, the shell) and a path that forgot
would show stale numbers. The handlers only invalidate a cache: no business logic here.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from groups.models import Activity
from objectives.dashboards import forget_network_dashboard
from objectives.models import CheckIn, Measure, Objective
from referrals.models import Referral


def _network_id(instance: Any) -> int | None:
    if isinstance(instance, Activity | Referral | Objective):
        return instance.network_id
    if isinstance(instance, Measure):
        return instance.objective.network_id
    if isinstance(instance, CheckIn):
        return instance.measure.objective.network_id
    return None


def figures_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    network_id = _network_id(instance)
    if network_id is not None:
        transaction.on_commit(lambda: forget_network_dashboard(network_id), robust=True)


def connect() -> None:
    # Contributions are written with their activity (form, admin inline, import), whose
    # own save already retires the cache.
    for model in (Activity, Referral, Objective, Measure, CheckIn):
        post_save.connect(figures_changed, sender=model, dispatch_uid=f"figures-{model.__name__}")
        post_delete.connect(
            figures_changed, sender=model, dispatch_uid=f"figures-del-{model.__name__}"
        )
    m2m_changed.connect(
        figures_changed, sender=Activity.participants.through, dispatch_uid="figures-participants"
    )
