from django.urls import path

from networks import views

app_name = "networks"

urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("n/<slug:network>/", views.home, name="home"),
]
