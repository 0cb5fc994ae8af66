"""The objectives app's endpoints: activities with their contributions, objectives and
measures with their figures, check-ins and progress reports.

Writes go through the pages' forms (for the rules a page enforces: dates, targets, who may
take part) and the pages' services, and ask the same `Access`, so the API does exactly what
the pages let a person do. Figures come from the figures engine, never from here.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from groups.api import network_group
from groups.forms import MEASURE_PREFIX, ActivityForm
from groups.models import Activity, PeerGroup
from networks.api import NetworkListView, NetworkView, form_errors, validated
from networks.models import Network, User
from networks.policy import Access
from objectives import figures
from objectives.filters import ActivityFilterSet
from objectives.forms import CheckInForm, MeasureForm, ObjectiveForm
from objectives.models import CheckIn, Contribution, Measure, Objective, ProgressReport
from objectives.services import activity_save_with_contributions, check_in_save

# ---------------------------------------------------------------- activities


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContributionOut(serializers.Serializer):
    measure_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


# A page holds 100 activities with their people and contributions: nested serializers cost
# tens of microseconds per field of each of those hundreds of objects, so these fields write
# the same dicts directly. The schema still names PersonOut and ContributionOut.


@extend_schema_field(PersonOut)
class PersonField(serializers.Field):
    def to_representation(self, value: User) -> dict[str, Any]:
        return {"id": value.pk, "name": value.name}


@extend_schema_field(PersonOut(many=True))
class PeopleField(serializers.Field):
    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return value  # _attach_parts wrote them as the output shows them


@extend_schema_field(ContributionOut(many=True))
class ContributionsField(serializers.Field):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        amount = self.amount.to_representation
        return [{"measure_id": c["measure_id"], "amount": amount(c["amount"])} for c in value]


class ActivityOut(serializers.ModelSerializer):
    group: "serializers.SlugRelatedField[PeerGroup]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    led_by = PersonField()
    participants = PeopleField(source="participant_list")
    contributions = ContributionsField(source="contribution_list")
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id", "group", "kind", "title", "description", "occurred_on", "people_reached",
            "led_by", "participants", "contributions", "created_at", "can_edit",
        ]  # fmt: skip

    def get_can_edit(self, activity: Activity) -> bool:
        return self.context["access"].can_edit_activity(activity)


def activity_rows(rows: list[dict[str, Any]], access: Access) -> list[dict[str, Any]]:
    """A page of the activity list (`_listed` rows) as ActivityOut writes an activity, in
    plain Python: DRF's per-field work for each of 100 activities was most of the page's
    time. Dates and amounts go through ActivityOut's own fields, so they are written alike;
    tests compare this with ActivityOut field for field."""
    fields = ActivityOut().fields
    occurred_on = fields["occurred_on"].to_representation
    created_at = fields["created_at"].to_representation
    contributions = fields["contributions"].to_representation
    people, parts = _parts([r["id"] for r in rows])
    return [
        {
            "id": r["id"],
            "group": r["group__slug"],
            "kind": r["kind"],
            "title": r["title"],
            "description": r["description"],
            "occurred_on": occurred_on(r["occurred_on"]),
            "people_reached": r["people_reached"],
            "led_by": {"id": r["led_by_id"], "name": r["led_by__name"]},
            "participants": people[r["id"]],
            "contributions": contributions(parts[r["id"]]),
            "created_at": created_at(r["created_at"]),
            "can_edit": access.can_edit_activity(_as_policy_reads_it(r)),
        }
        for r in rows
    ]


def _as_policy_reads_it(row: dict[str, Any]) -> SimpleNamespace:
    """What the access policy reads of an activity and its group, from a `_listed` row."""
    group = SimpleNamespace(id=row["group_id"], pk=row["group_id"], network_id=row["network_id"])
    return SimpleNamespace(network_id=row["network_id"], led_by_id=row["led_by_id"], group=group)


# The activity list's columns: rows as dicts, not an Activity, its group and its leader
# per row (model instances were a fifth of a 100-activity page's time).
LISTED = [
    "id", "network_id", "group_id", "group__slug", "kind", "title", "description",
    "occurred_on", "people_reached", "led_by_id", "led_by__name", "created_at",
]  # fmt: skip


def _listed(activities: QuerySet[Activity]) -> QuerySet[Any]:
    return activities.values(*LISTED)


class ContributionIn(serializers.Serializer):
    measure_id = serializers.IntegerField(min_value=1)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))


class ActivityChange(serializers.Serializer):
    """An activity's fields; an activity stays in its group."""

    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    occurred_on = serializers.DateField()
    people_reached = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    participants = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000,
        help_text="Ids of members of the group who took part.",
    )  # fmt: skip
    contributions = ContributionIn(
        many=True, required=False, help_text="Amounts for “sum of activity contributions” measures."
    )


class ActivityIn(ActivityChange):
    group = serializers.SlugField(help_text="The group's slug.")


def _activity_cards(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    # Only what the output shows of each group and leader: rows of 100 activities add up.
    # Participants and contributions are attached by `_attach_parts`.
    return activities.select_related("group", "led_by").only(
        *ACTIVITY_FIELDS, "group__slug", "group__network_id", "led_by__name"
    )


def _parts(ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[Any]]]:
    """Each activity's participants ({id, name}) and contributions ({measure_id, amount})
    as plain dicts: two queries reading only those columns, without a model instance,
    manager and queryset per row as prefetch_related builds."""
    people: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    joined = (
        Activity.participants.through.objects.filter(activity_id__in=ids)
        .order_by("user__name", "user__email")  # User.Meta.ordering
        .values_list("activity_id", "user_id", "user__name")
    )
    for activity_id, user_id, name in joined:
        people[activity_id].append({"id": user_id, "name": name})
    parts: dict[int, list[Any]] = {pk: [] for pk in ids}
    advanced = (
        Contribution.objects.filter(activity_id__in=ids)
        .order_by("measure_id")
        .values_list("activity_id", "measure_id", "amount")
    )
    for activity_id, measure_id, amount in advanced:
        parts[activity_id].append({"measure_id": measure_id, "amount": amount})
    return people, parts


def _attach_parts(activities: list[Activity]) -> list[Activity]:
    """`_parts` as each activity's `participant_list` and `contribution_list`."""
    people, parts = _parts([a.pk for a in activities])
    for activity in activities:
        activity.participant_list = people[activity.pk]  # type: ignore[attr-defined]
        activity.contribution_list = parts[activity.pk]  # type: ignore[attr-defined]
    return activities


ACTIVITY_FIELDS = [
    "network_id", "group_id", "kind", "title", "description", "occurred_on", "people_reached",
    "led_by_id", "created_at",
]  # fmt: skip


class ActivityCursor(CursorPagination):
    ordering = ("-occurred_on", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class NetworkFilterBackend(DjangoFilterBackend):
    """django-filter's backend, handing the view's network to the FilterSet."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: Any) -> Any:
        return super().get_filterset_kwargs(request, queryset, view) | {"network": view.network}


def _activity_form(
    network: Network, group: PeerGroup, data: dict[str, Any], activity: Activity | None
) -> ActivityForm:
    """The page's activity form, bound to the API's input: its rules are the API's."""
    fed = list(Measure.objects.fed_by_activities(network))
    form_data = QueryDict(mutable=True)
    for name in ("kind", "title", "description", "occurred_on", "people_reached"):
        if data.get(name) is not None:
            form_data[name] = str(data[name])
    form_data.setlist("participants", [str(pk) for pk in data.get("participants", [])])
    for item in data.get("contributions", []):
        form_data[f"{MEASURE_PREFIX}{item['measure_id']}"] = str(item["amount"])
    form = ActivityForm(
        form_data,
        instance=activity,
        group=group,
        today=network.today(),
        measures=[m for m in fed if m.source == Measure.Source.ACTIVITY_SUM],
        counted_by=[m for m in fed if m.source == Measure.Source.ACTIVITY_COUNT],
    )
    return form


def _save_activity(form: ActivityForm) -> Activity:
    if not form.is_valid():
        # The form names a contribution's field after its measure; the API calls them all
        # "contributions".
        for name in [n for n in form.errors if n.startswith(MEASURE_PREFIX)]:
            form.errors.setdefault("contributions", form.error_class()).extend(
                form.errors.pop(name)
            )
        raise form_errors(form)
    try:
        return activity_save_with_contributions(
            activity=form.instance,
            participants=form.cleaned_data["participants"],
            contributions=form.contributions(),
        )
    except DjangoValidationError as refused:
        raise exceptions.ValidationError(
            refused.message_dict if hasattr(refused, "error_dict") else
            {"non_field_errors": refused.messages}
        )  # fmt: skip


def _activity(network: Network, activity_id: int) -> Activity:
    activity = get_object_or_404(
        _activity_cards(Activity.objects.filter(network=network)), pk=activity_id
    )
    activity.network = activity.group.network = network
    _attach_parts([activity])
    return activity


def _activity_out(activity: Activity, access: Access) -> dict[str, Any]:
    fresh = _activity(access.network, activity.pk)
    return dict(ActivityOut(fresh, context={"access": access}).data)


_FILTER_PARAMETERS = [
    OpenApiParameter("group", str, description="A group's slug."),
    OpenApiParameter("objective", int, description="Activities that advanced this objective."),
    OpenApiParameter("member", int, description="Activities this person led or joined."),
]


class ActivitiesView(NetworkListView):
    """The activity log, newest first, filtered as on the activity log page."""

    queryset = Activity.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = ActivityOut
    pagination_class = ActivityCursor
    filter_backends = [NetworkFilterBackend]
    filterset_class = ActivityFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        return _listed(Activity.objects.for_network(self.network))

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context() | {"access": self.access}

    @extend_schema(parameters=_FILTER_PARAMETERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # ListAPIView.list with `activity_rows` for the serializer (always paginated).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(activity_rows(cast(list[dict], page), self.access))

    @extend_schema(request=ActivityIn, responses={201: ActivityOut})
    def post(self, request: Request, network_slug: str) -> Response:
        data = validated(ActivityIn, request.data)
        group = network_group(self.network, data["group"])
        self.access.require(self.access.can_log_activity(group))
        form = _activity_form(self.network, group, data, None)
        form.instance.group = group
        form.instance.network = self.network
        form.instance.led_by = cast(User, request.user)
        activity = _save_activity(form)
        return Response(_activity_out(activity, self.access), status=status.HTTP_201_CREATED)


class ActivityDetailView(NetworkView):
    @extend_schema(responses=ActivityOut)
    def get(self, request: Request, network_slug: str, activity_id: int) -> Response:
        activity = _activity(self.network, activity_id)
        return Response(ActivityOut(activity, context={"access": self.access}).data)

    @extend_schema(request=ActivityChange, responses=ActivityOut)
    def patch(self, request: Request, network_slug: str, activity_id: int) -> Response:
        activity = _activity(self.network, activity_id)
        self.access.require(self.access.can_edit_activity(activity))
        serializer = ActivityChange(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current: dict[str, Any] = {
            "kind": activity.kind,
            "title": activity.title,
            "description": activity.description,
            "occurred_on": activity.occurred_on,
            "people_reached": activity.people_reached,
            "participants": [p["id"] for p in activity.participant_list],  # type: ignore[attr-defined]
            "contributions": [
                {"measure_id": c["measure_id"], "amount": c["amount"]}
                for c in activity.contribution_list  # type: ignore[attr-defined]
            ],
        }
        form = _activity_form(
            self.network, activity.group, current | dict(serializer.validated_data), activity
        )
        _save_activity(form)
        return Response(_activity_out(activity, self.access))


# ---------------------------------------------------------------- objectives and measures


class MeasureOut(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = ["id", "objective_id", "name", "unit", "baseline", "target", "direction",
                  "source", "activity_kinds"]  # fmt: skip


class FiguresOut(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="Null for an objective."
    )
    progress = serializers.FloatField(help_text="Raw: below 0 or above 1 when past the ends.")
    expected = serializers.FloatField(help_text="The share of the objective's time gone.")
    status = serializers.ChoiceField(choices=list(figures.STATUS_LABELS))


class MeasureWithFiguresOut(MeasureOut):
    figures = FiguresOut(allow_null=True, help_text="Null for an archived objective.")

    class Meta(MeasureOut.Meta):
        fields = [*MeasureOut.Meta.fields, "figures"]


class ObjectiveOut(serializers.ModelSerializer):
    figures = FiguresOut(allow_null=True, help_text="Null for an archived objective.")
    measures = MeasureWithFiguresOut(many=True)

    class Meta:
        model = Objective
        fields = ["id", "title", "description", "term", "starts_on", "due_on", "archived_at",
                  "figures", "measures"]  # fmt: skip


def _figures(progress: figures.MeasureProgress | figures.ObjectiveProgress) -> dict[str, Any]:
    value = progress.value if isinstance(progress, figures.MeasureProgress) else None
    return {
        "value": value,
        "progress": progress.progress,
        "expected": progress.expected,
        "status": progress.status,
    }


def objectives_out(network: Network, objectives: list[Objective]) -> list[dict[str, Any]]:
    """Objectives with their measures and the engine's figures today (archived ones have
    none: they left the figures when archived)."""
    active = [o for o in objectives if o.archived_at is None]
    found = {p.objective.pk: p for p in figures.objectives_progress(network, active)}
    for objective in objectives:
        overall = found.get(objective.pk)
        by_measure = {m.measure.pk: m for m in overall.measures} if overall else {}
        objective.figures = None if overall is None else _figures(overall)  # type: ignore[attr-defined]
        for measure in objective.measures.all():
            found_measure = by_measure.get(measure.pk)
            measure.figures = found_measure and _figures(found_measure)  # type: ignore[attr-defined]
    return [dict(ObjectiveOut(o).data) for o in objectives]


class ObjectiveIn(serializers.Serializer):
    term = serializers.ChoiceField(choices=Objective.Term.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    starts_on = serializers.DateField()
    due_on = serializers.DateField()


def _form_data(data: dict[str, Any]) -> QueryDict:
    out = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            out.setlist(name, [str(v) for v in value])
        elif value is not None:
            out[name] = str(value)
    return out


class ObjectivesView(NetworkListView):
    """The network's objectives (active ones; `archived=true` for the archive) with their
    measures and figures, soonest due first."""

    queryset = Objective.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = ObjectiveOut
    ordering_fields = ["due_on", "title", "starts_on"]

    def get_queryset(self) -> QuerySet[Objective]:
        archived = self.request.query_params.get("archived") == "true"
        return (
            Objective.objects.filter(network=self.network, archived_at__isnull=not archived)
            .prefetch_related("measures")
            .order_by("due_on", "title", "id")
        )

    @extend_schema(
        parameters=[OpenApiParameter("archived", OpenApiTypes.BOOL, description="The archive.")]
    )
    def get(self, request: Request, network_slug: str) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None
        return self.get_paginated_response(objectives_out(self.network, list(page)))

    @extend_schema(request=ObjectiveIn, responses={201: ObjectiveOut})
    def post(self, request: Request, network_slug: str) -> Response:
        self.access.require(self.access.can_manage_objectives)
        data = validated(ObjectiveIn, request.data)
        form = ObjectiveForm(_form_data(data), instance=Objective(network=self.network))
        if not form.is_valid():
            raise form_errors(form)
        objective = form.save()
        return Response(objectives_out(self.network, [objective])[0], status=201)


def _objective(network: Network, objective_id: int) -> Objective:
    objective = get_object_or_404(
        Objective.objects.filter(network=network).prefetch_related("measures"), pk=objective_id
    )
    objective.network = network
    return objective


class ObjectiveDetailView(NetworkView):
    @extend_schema(responses=ObjectiveOut)
    def get(self, request: Request, network_slug: str, objective_id: int) -> Response:
        return Response(objectives_out(self.network, [_objective(self.network, objective_id)])[0])


class MeasureIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    direction = serializers.ChoiceField(choices=Measure.Direction.choices)
    # The stubs type Serializer.source (a Field's own attribute); a field may take the name.
    source = serializers.ChoiceField(choices=Measure.Source.choices)  # type: ignore[assignment]
    activity_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Activity.Kind.choices), required=False,
        max_length=len(Activity.Kind.choices),
    )  # fmt: skip


class MeasuresView(NetworkListView):
    """An objective's measures."""

    queryset = Measure.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = MeasureOut
    ordering_fields = ["id", "name"]

    def get_queryset(self) -> QuerySet[Measure]:
        objective = _objective(self.network, self.kwargs["objective_id"])
        return objective.measures.order_by("id")

    @extend_schema(request=MeasureIn, responses={201: MeasureOut})
    def post(self, request: Request, network_slug: str, objective_id: int) -> Response:
        objective = _objective(self.network, objective_id)
        self.access.require(self.access.can_manage_objectives)
        data = validated(MeasureIn, request.data)
        data.setdefault("baseline", Decimal(0))
        form = MeasureForm(_form_data(data), instance=Measure(objective=objective))
        if not form.is_valid():
            raise form_errors(form)
        return Response(MeasureOut(form.save()).data, status=status.HTTP_201_CREATED)


def _measure(network: Network, measure_id: int) -> Measure:
    return get_object_or_404(
        Measure.objects.select_related("objective").filter(objective__network=network),
        pk=measure_id,
    )


class MeasureFiguresOut(serializers.Serializer):
    measure_id = serializers.IntegerField()
    on = serializers.DateField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    progress = serializers.FloatField()
    expected = serializers.FloatField()
    status = serializers.ChoiceField(choices=list(figures.STATUS_LABELS))
    group = serializers.CharField(allow_null=True)
    group_value = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    start = serializers.DateField(allow_null=True)
    period_value = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class FiguresQuery(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="The day (default: today).")
    group = serializers.SlugField(required=False, help_text="A group's part, by its slug.")
    start = serializers.DateField(required=False, help_text="The value over start..on.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("start") and data.get("on") and data["start"] > data["on"]:
            raise serializers.ValidationError({"start": "The start is after `on`."})
        return data


class MeasureFiguresView(NetworkView):
    """A measure's value, progress, expected progress and status at the end of a day, from
    the figures engine; with `group`, that group's part; with `start`, the period's value."""

    @extend_schema(parameters=[FiguresQuery], responses=MeasureFiguresOut)
    def get(self, request: Request, network_slug: str, measure_id: int) -> Response:
        measure = _measure(self.network, measure_id)
        query = validated(FiguresQuery, request.query_params)
        on = query.get("on") or self.network.today()
        if not self.network.earliest_record_day() <= on <= self.network.today():
            raise exceptions.ValidationError({"on": "Give a day from the network's records."})
        end = on + dt.timedelta(days=1)
        value = figures.measure_values([measure], end=end)[measure.pk]
        progress = figures.measure_progress(measure, value, on=on, tolerance=self.network.tolerance)
        out: dict[str, Any] = _figures(progress) | {
            "measure_id": measure.pk, "on": on, "group": None, "group_value": None,
            "start": query.get("start"), "period_value": None,
        }  # fmt: skip
        if query.get("group"):
            group = network_group(self.network, query["group"])
            parts = figures.measure_values_by_group([measure], start=query.get("start"), end=end)
            out |= {"group": group.slug, "group_value": parts.get((measure.pk, group.pk))}
        if query.get("start"):
            out["period_value"] = figures.measure_values([measure], start=query["start"], end=end)[
                measure.pk
            ]
        return Response(MeasureFiguresOut(out).data)


# ---------------------------------------------------------------- check-ins


class CheckInOut(serializers.ModelSerializer):
    group: "serializers.SlugRelatedField[PeerGroup]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    recorded_by = PersonOut(allow_null=True)

    class Meta:
        model = CheckIn
        fields = ["id", "measure_id", "value", "recorded_on", "group", "note", "recorded_by",
                  "created_at"]  # fmt: skip


class CheckInIn(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    recorded_on = serializers.DateField(required=False, help_text="Default: today.")
    group = serializers.SlugField(
        required=False, allow_null=True,
        help_text="The group the reading is for; none: the whole network (organisers).",
    )  # fmt: skip
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CheckInsView(NetworkListView):
    """A manual measure's readings, newest first."""

    queryset = CheckIn.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = CheckInOut
    ordering_fields = ["recorded_on", "id"]

    def get_queryset(self) -> QuerySet[CheckIn]:
        measure = _measure(self.network, self.kwargs["measure_id"])
        return measure.check_ins.select_related("group", "recorded_by").order_by(
            "-recorded_on", "-id"
        )

    @extend_schema(request=CheckInIn, responses={201: CheckInOut})
    def post(self, request: Request, network_slug: str, measure_id: int) -> Response:
        measure = _measure(self.network, measure_id)
        self.access.require(self.access.can_check_in(measure))
        data = validated(CheckInIn, request.data)
        groups = self.access.check_in_groups(self.network.groups.active())
        slug = data.pop("group", None)
        if slug:
            # The form chooses a group by id; an unknown slug is an unknown choice.
            data["group"] = groups.filter(slug=slug).values_list("pk", flat=True).first() or 0
        data.setdefault("recorded_on", self.network.today())
        form = CheckInForm(
            _form_data(data),
            instance=CheckIn(measure=measure, recorded_by=cast(User, request.user)),
            groups=groups,
            network_wide=self.access.can_record_network_reading,
            today=self.network.today(),
        )
        if not form.is_valid():
            raise form_errors(form)
        check_in = check_in_save(check_in=form.save(commit=False))
        return Response(CheckInOut(check_in).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- reports


@extend_schema_field(OpenApiTypes.OBJECT)
class SnapshotField(serializers.JSONField):
    """objectives.snapshot.Snapshot: the report as written at the period's end."""


class ReportOut(serializers.ModelSerializer):
    group: "serializers.SlugRelatedField[PeerGroup]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    # A field named "data" is fine at run time (DRF takes declared fields off the class).
    data = SnapshotField()  # type: ignore[assignment]

    class Meta:
        model = ProgressReport
        fields = ["id", "group", "period_start", "period_end", "created_at", "data"]


class ReportGroupFilter(BaseFilterBackend):
    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        slug = request.query_params.get("group")
        return queryset.filter(group__slug=slug) if slug else queryset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [{"name": "group", "in": "query", "required": False,
                 "description": "A group's slug.", "schema": {"type": "string"}}]  # fmt: skip


class ReportsView(NetworkListView):
    """The progress reports this person may read: organisers every one, others their
    groups'; newest period first."""

    queryset = ProgressReport.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = ReportOut
    filter_backends = [ReportGroupFilter]

    def get_queryset(self) -> QuerySet[ProgressReport]:
        reports = ProgressReport.objects.filter(network=self.network).select_related("group")
        return self.access.visible_reports(reports).order_by("-period_start", "group__name", "id")


class ReportDetailView(NetworkView):
    @extend_schema(responses=ReportOut)
    def get(self, request: Request, network_slug: str, report_id: int) -> Response:
        report = get_object_or_404(
            ProgressReport.objects.select_related("group"), network=self.network, pk=report_id
        )
        self.access.require(self.access.can_see_group_reports(report.group))
        return Response(ReportOut(report).data)
