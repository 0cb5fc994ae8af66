from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from networks import views as network_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "invitations/<str:token>/", network_views.invitation_accept_view, name="invitation_accept"
    ),
    path("healthz", network_views.healthz, name="healthz"),
    path("n/<slug:network>/groups/", include("groups.urls")),
    path("n/<slug:network>/objectives/", include("objectives.urls")),
    path("n/<slug:network>/referrals/", include("referrals.urls")),
    path("", include("networks.urls")),
]
