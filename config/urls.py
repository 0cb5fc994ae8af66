from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hub import referral_views
from hub import urls as hub_urls
from hub import views as hub_views
from networks import views as network_views
from networks.forms import ThrottledPasswordResetForm, UnlockingSetPasswordForm
from objectives import views as objective_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    # Reset mails are throttled per address, and a new password lifts a sign-in lock-out.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ThrottledPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=UnlockingSetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/tokens/", network_views.api_tokens, name="api_tokens"),
    path(
        "accounts/tokens/<id:token_id>/revoke/",
        network_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "invitations/<str:token>/", network_views.invitation_accept_view, name="invitation_accept"
    ),
    # The client's private feedback page: no sign-in, nothing of Grove around it.
    path("feedback/<str:token>/", referral_views.feedback_public, name="referral_feedback"),
    path("healthz", network_views.healthz, name="healthz"),
    path("profile/", hub_views.profile, name="profile"),
    path("api/", include("config.api_urls")),
    # The network home shows objectives and groups, so its view lives in objectives.
    path("n/<slug:network_slug>/", objective_views.network_home, name="network_home"),
    path("n/<slug:network_slug>/groups/", include(hub_urls.groups)),
    path("n/<slug:network_slug>/members/", include(hub_urls.members)),
    path("n/<slug:network_slug>/objectives/", include("objectives.urls")),
    path("n/<slug:network_slug>/referrals/", include(hub_urls.referrals)),
    path("n/<slug:network_slug>/notifications/", include("notifications.urls")),
    path("n/<slug:network_slug>/exports/", include("exports.urls")),
    path("n/<slug:network_slug>/webhooks/", include("webhooks.urls")),
    path("", include("networks.urls")),
]

handler403 = "networks.views.permission_denied"
