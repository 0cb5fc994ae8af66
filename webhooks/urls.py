from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<id:webhook_id>/", views.webhook_detail, name="detail"),
    path("<id:webhook_id>/rotate/", views.webhook_rotate, name="rotate"),
    path("<id:webhook_id>/enable/", views.webhook_enable, name="enable"),
    path("<id:webhook_id>/delete/", views.webhook_delete, name="delete"),
    path(
        "<id:webhook_id>/deliveries/<id:webhook_delivery_id>/replay/",
        views.delivery_replay,
        name="replay",
    ),
]
