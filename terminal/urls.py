from django.urls import path

from . import views

app_name = "terminal"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("home/", views.home_view, name="home"),
    path("functions/<slug:code>/", views.function_view, name="function"),
    path("reports/<int:report_id>/", views.report_download_view, name="report"),
]
