from django.urls import path

from networks import views

app_name = "networks"

# The network home (`network_home`, objectives) and the member directory (`members:*`, hub)
# are mounted in config/urls.py: they show other apps' data, and networks imports no other app.
urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("n/<slug:network>/mission/edit/", views.mission_edit, name="mission_edit"),
    path("n/<slug:network>/settings/", views.network_settings, name="settings"),
    path("n/<slug:network>/sound-bites/", views.sound_bites, name="sound_bites"),
    path(
        "n/<slug:network>/sound-bites/<id:bite>/move/",
        views.sound_bite_move_view,
        name="sound_bite_move",
    ),
    path(
        "n/<slug:network>/sound-bites/<id:bite>/delete/",
        views.sound_bite_delete_view,
        name="sound_bite_delete",
    ),
    path("n/<slug:network>/invitations/", views.invitations, name="invitations"),
    path(
        "n/<slug:network>/invitations/<id:invitation>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "n/<slug:network>/invitations/<id:invitation>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
]
