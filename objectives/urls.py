from django.urls import path

from objectives import dashboards, views

app_name = "objectives"

urlpatterns = [
    path("", views.objective_list, name="list"),
    path("dashboard/", dashboards.network_dashboard, name="dashboard"),
    path("groups/<slug:group_slug>/dashboard/", dashboards.group_dashboard, name="group_dashboard"),
    path("me/", dashboards.my_contribution, name="my_contribution"),
    path("console/", dashboards.gardener_console, name="console"),
    path("value/", dashboards.network_value, name="value"),
    path("new/", views.objective_create, name="create"),
    path("<id:objective_id>/", views.objective_detail, name="detail"),
    path("<id:objective_id>/edit/", views.objective_edit, name="edit"),
    path("<id:objective_id>/archive/", views.objective_archive, name="archive"),
    path("<id:objective_id>/measures/new/", views.measure_create, name="measure_create"),
    path("measures/<id:measure_id>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<id:measure_id>/check-ins/new/", views.checkin_create, name="checkin_create"),
    path("measures/<id:measure_id>/check-ins/", views.checkin_list, name="checkin_list"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<id:report_id>/", views.report_detail, name="report"),
    path("reports/preferences/", views.report_preferences, name="report_preferences"),
    path(
        "reports/deliveries/<id:delivery_id>/resend/",
        views.delivery_resend_view,
        name="delivery_resend",
    ),
]
