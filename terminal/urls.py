from django.urls import path

from . import views

app_name = "terminal"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("home/", views.home_view, name="home"),
]
