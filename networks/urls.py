from django.urls import path

from networks import views

app_name = "networks"

# The network home (`network_home`, objectives) and the member directory (`members:*`, hub)
# are mounted in config/urls.py: they show other apps' data, and networks imports no other app.
urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("n/<slug:network_slug>/mission/edit/", views.mission_edit, name="mission_edit"),
    path("n/<slug:network_slug>/settings/", views.network_settings, name="settings"),
    path("n/<slug:network_slug>/sound-bites/", views.sound_bites, name="sound_bites"),
    path(
        "n/<slug:network_slug>/sound-bites/<id:bite_id>/move/",
        views.sound_bite_move_view,
        name="sound_bite_move",
    ),
    path(
        "n/<slug:network_slug>/sound-bites/<id:bite_id>/delete/",
        views.sound_bite_delete_view,
        name="sound_bite_delete",
    ),
    path("n/<slug:network_slug>/invitations/", views.invitations, name="invitations"),
    path(
        "n/<slug:network_slug>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "n/<slug:network_slug>/invitations/<id:invitation_id>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
]
