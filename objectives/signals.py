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

from celery.signals import task_prerun
from django.core.signals import request_started
from django.db import transaction
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
)

from groups.models import Activity, PeerGroup
from networks.models import Membership, Network, User
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


def measure_saved(sender: type, instance: Measure, created: bool, **kwargs: Any) -> None:
    """A measure's totals follow its source, kinds and objective. Recomputed on every save
    (measures are edited rarely), not on a detected change: a save from an older state (the
    admin's history revert) would compare equal to what it loaded."""
    if not (created and instance.source == Measure.Source.MANUAL):  # else: no totals
        rollup.refresh_measure_totals(instance.objective_id)


def objective_saved(sender: type, instance: Objective, created: bool, **kwargs: Any) -> None:
    """Its start bounds what its measures count (a new objective has no measures yet)."""
    if not created:
        rollup.refresh_measure_totals(instance.pk)


def totals_deleting(sender: type, instance: Any, **kwargs: Any) -> None:
    """A measure, objective or group about to be deleted takes its network's row lock
    first, as every writer of the totals does (objectives.rollup): its totals' cascade then
    cannot interleave with a writer putting rows back for it."""
    rollup.lock_network(_network_id(instance))


def connect() -> None:
    post_init.connect(activity_loaded, sender=Activity, dispatch_uid="rollup-activity-init")
    post_init.connect(referral_loaded, sender=Referral, dispatch_uid="rollup-referral-init")
    post_save.connect(measure_saved, sender=Measure, dispatch_uid="totals-measure-save")
    post_save.connect(objective_saved, sender=Objective, dispatch_uid="totals-objective-save")
    for deleted in (Measure, Objective, PeerGroup):
        pre_delete.connect(
            totals_deleting, sender=deleted, dispatch_uid=f"totals-{deleted.__name__}"
        )
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


# ---------------------------------------------------------------- member totals
#
# MemberTotal (objectives.rollup.refresh_people) follows every write that changes who led
# or joined an activity on which day, who gave or received a referral, who is a member
# and a member's sector: the people as
# loaded and as saved are both refreshed, so a change of leader, day or side moves the
# figures off the old person too.


def _activity_person(instance: Activity) -> rollup.Person | None:
    network_id, led_by_id = instance.__dict__.get("network_id"), instance.__dict__.get("led_by_id")
    return None if network_id is None or led_by_id is None else (network_id, led_by_id)


def _referral_sides(instance: Referral) -> tuple[Any, Any, Any]:
    fields = instance.__dict__
    return fields.get("network_id"), fields.get("referrer_id"), fields.get("receiver_id")


def _referral_people(sides: tuple[Any, Any, Any]) -> set[rollup.Person]:
    network_id, *users = sides
    if network_id is None:
        return set()
    return {(network_id, u) for u in users if u is not None}


def activity_people_loaded(sender: type, instance: Activity, **kwargs: Any) -> None:
    instance._people_loaded = (_activity_person(instance), instance.__dict__.get("occurred_on"))  # type: ignore[attr-defined]


def activity_people_saved(sender: type, instance: Activity, created: bool, **kwargs: Any) -> None:
    person, day = getattr(instance, "_people_loaded", (None, None))
    now = _activity_person(instance)
    people = {p for p in (person, now) if p}  # the leaders, before and after
    moved = person is not None and now is not None and person[0] != now[0]
    if not created and (moved or day != instance.__dict__.get("occurred_on")):
        # Every participant's day (or network) moved with the activity.
        joined = [u for _, u in rollup.activity_people(instance.pk)]
        people |= {(network_id, u) for network_id, _ in people for u in joined}
    if people:
        rollup.refresh_people(people)
    activity_people_loaded(sender, instance)


def activity_people_deleting(sender: type, instance: Activity, **kwargs: Any) -> None:
    # The participants' rows are gone by post_delete: remember who they were.
    instance._people_deleted = rollup.activity_people(instance.pk)  # type: ignore[attr-defined]


def activity_people_deleted(sender: type, instance: Activity, **kwargs: Any) -> None:
    people = set(getattr(instance, "_people_deleted", []))
    person = _activity_person(instance)
    if person:
        people.add(person)
    if people:
        rollup.refresh_people(people)


def participants_changed(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Participants added or removed, from either side (activity.participants or
    user.activities_joined); a clear is seen before (who) and after (refresh)."""
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if action == "pre_clear":
        if reverse:
            joined = Activity.objects.filter(participants=instance).values_list("network_id")
            instance._people_cleared = {(n, instance.pk) for (n,) in joined}
        else:
            instance._people_cleared = set(rollup.activity_people(instance.pk))
        return
    people: set[rollup.Person]
    if action == "post_clear":
        people = getattr(instance, "_people_cleared", set())
    elif reverse:  # a person joined or left these activities
        networks = Activity.objects.filter(pk__in=pk_set or ()).values_list("network_id")
        people = {(n, instance.pk) for (n,) in networks.distinct()}
    else:
        people = {(instance.network_id, u) for u in pk_set or ()}
    if people:
        rollup.refresh_people(people)


def referral_people_loaded(sender: type, instance: Referral, **kwargs: Any) -> None:
    # A tuple of loaded ids: every referral loaded pays for it, so nothing more.
    instance._people_loaded = _referral_sides(instance)  # type: ignore[attr-defined]


def referral_people_written(sender: type, instance: Referral, **kwargs: Any) -> None:
    loaded = getattr(instance, "_people_loaded", (None, None, None))
    now = _referral_sides(instance)
    if kwargs.get("created") is False and loaded == now:
        return  # the same referrer, receiver and network: the counts are unchanged
    rollup.refresh_people(_referral_people(loaded) | _referral_people(now))
    instance._people_loaded = now  # type: ignore[attr-defined]


def network_deleting(sender: type, instance: Network, **kwargs: Any) -> None:
    rollup.network_deleting(instance.pk)


def network_deleted(sender: type, instance: Network, **kwargs: Any) -> None:
    rollup.network_deleting(instance.pk, done=True)


def membership_written(sender: type, instance: Membership, **kwargs: Any) -> None:
    if kwargs.get("created") is False:
        return  # a change of role or settings: still a member
    rollup.refresh_people([(instance.network_id, instance.user_id)])


def user_loaded(sender: type, instance: User, **kwargs: Any) -> None:
    instance._sector_loaded = instance.__dict__.get("sector")  # type: ignore[attr-defined]


def user_saved(sender: type, instance: User, created: bool, **kwargs: Any) -> None:
    sector = instance.__dict__.get("sector")
    if not created and sector is not None and sector != getattr(instance, "_sector_loaded", None):
        rollup.refresh_people(rollup.user_networks(instance.pk))
    instance._sector_loaded = sector  # type: ignore[attr-defined]


def user_deleting(sender: type, instance: User, **kwargs: Any) -> None:
    rollup.user_deleting(instance.pk)


def user_deleted(sender: type, instance: User, **kwargs: Any) -> None:
    rollup.user_deleting(instance.pk, done=True)


def connect_people() -> None:
    uid = "people-"
    post_init.connect(activity_people_loaded, sender=Activity, dispatch_uid=f"{uid}activity-init")
    post_save.connect(activity_people_saved, sender=Activity, dispatch_uid=f"{uid}activity-save")
    pre_delete.connect(activity_people_deleting, sender=Activity, dispatch_uid=f"{uid}activity-pre")
    post_delete.connect(activity_people_deleted, sender=Activity, dispatch_uid=f"{uid}activity-del")
    m2m_changed.connect(
        participants_changed, sender=Activity.participants.through, dispatch_uid=f"{uid}joined"
    )
    post_init.connect(referral_people_loaded, sender=Referral, dispatch_uid=f"{uid}referral-init")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            referral_people_written, sender=Referral, dispatch_uid=f"{uid}referral-{name}"
        )
    pre_delete.connect(network_deleting, sender=Network, dispatch_uid=f"{uid}network-pre")
    post_delete.connect(network_deleted, sender=Network, dispatch_uid=f"{uid}network-del")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(membership_written, sender=Membership, dispatch_uid=f"{uid}member-{name}")
    post_init.connect(user_loaded, sender=User, dispatch_uid=f"{uid}user-init")
    post_save.connect(user_saved, sender=User, dispatch_uid=f"{uid}user-save")
    pre_delete.connect(user_deleting, sender=User, dispatch_uid=f"{uid}user-pre")
    post_delete.connect(user_deleted, sender=User, dispatch_uid=f"{uid}user-del")
    # A delete that failed after its pre_delete never sent post_delete: its guard must not
    # outlive the request or task, or that network's (or person's) totals would stop.
    request_started.connect(rollup.forget_deleting, dispatch_uid=f"{uid}request")
    task_prerun.connect(rollup.forget_deleting, dispatch_uid=f"{uid}task")
