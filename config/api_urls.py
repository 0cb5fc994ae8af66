"""The API's URLs (README, "API"): /api/v1/ for the resources, /api/schema/ and /api/docs/.

Everything of a network is under /api/v1/networks/<network_slug>/, with the same parameter
names as the pages; tests/api/test_api_cross_network.py walks every route.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from groups import api as groups_api
from networks import api as networks_api
from objectives import api as objectives_api
from referrals import api as referrals_api

network: list[URLPattern | URLResolver] = [
    path("", networks_api.NetworkDetailView.as_view(), name="network"),
    path("invitations/", networks_api.InvitationsView.as_view(), name="invitations"),
    path("members/", groups_api.MembersView.as_view(), name="members"),
    path("groups/", groups_api.GroupsView.as_view(), name="groups"),
    path("groups/<slug:group_slug>/", groups_api.GroupDetailView.as_view(), name="group"),
    path(
        "groups/<slug:group_slug>/memberships/",
        groups_api.GroupMembershipsView.as_view(),
        name="group_memberships",
    ),
    path("activities/", objectives_api.ActivitiesView.as_view(), name="activities"),
    path(
        "activities/<id:activity_id>/",
        objectives_api.ActivityDetailView.as_view(),
        name="activity",
    ),
    path("objectives/", objectives_api.ObjectivesView.as_view(), name="objectives"),
    path(
        "objectives/<id:objective_id>/",
        objectives_api.ObjectiveDetailView.as_view(),
        name="objective",
    ),
    path(
        "objectives/<id:objective_id>/measures/",
        objectives_api.MeasuresView.as_view(),
        name="measures",
    ),
    path(
        "measures/<id:measure_id>/figures/",
        objectives_api.MeasureFiguresView.as_view(),
        name="measure_figures",
    ),
    path(
        "measures/<id:measure_id>/check-ins/",
        objectives_api.CheckInsView.as_view(),
        name="check_ins",
    ),
    path("reports/", objectives_api.ReportsView.as_view(), name="reports"),
    path("reports/<id:report_id>/", objectives_api.ReportDetailView.as_view(), name="report"),
    path("referrals/", referrals_api.ReferralsView.as_view(), name="referrals"),
    path(
        "referrals/<id:referral_id>/", referrals_api.ReferralDetailView.as_view(), name="referral"
    ),
    path(
        "referrals/<id:referral_id>/moves/",
        referrals_api.ReferralMoveView.as_view(),
        name="referral_move",
    ),
    path(
        "referrals/<id:referral_id>/touchpoints/",
        referrals_api.TouchpointsView.as_view(),
        name="touchpoints",
    ),
]

v1: list[URLPattern | URLResolver] = [
    path("networks/", networks_api.NetworksView.as_view(), name="networks"),
    path("networks/<slug:network_slug>/", include(network)),
]

# The schema and its docs are public: a developer reads them before they have a token.
schema = SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[])
# Swagger UI sets inline styles as it renders; this page alone allows them (never inline
# scripts: its start-up script is a file, the split view's `?script`).
docs = csp_update({"style-src": [UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", permission_classes=[AllowAny], authentication_classes=[]
    )
)

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", schema, name="schema"),
    path("docs/", docs, name="docs"),
]
