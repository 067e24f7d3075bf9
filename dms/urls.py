from django.urls import path

from accounts import views as account_views
from accounts.journey import Portal

from . import views

app_name = "dms"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("login/", account_views.login_view, {"portal": Portal.DMS}, name="login"),
    path("home/", views.home_view, name="home"),
]
