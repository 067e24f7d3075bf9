from django.urls import path

from accounts import views as account_views
from accounts.journey import Portal

from . import views

app_name = "dms"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("login/", account_views.login_view, {"portal": Portal.DMS}, name="login"),
    path("home/", views.home_view, name="home"),
    path("sitemap/", views.sitemap_view, name="sitemap"),
    path("profiles/create/", views.create_view, name="create"),
    path("profiles/<str:function>/", views.prompt_view, name="prompt"),
    path("profiles/<str:function>/<str:user_id>/", views.detail_view, name="detail"),
    path("requests/<int:req_id>/confirm/", views.confirm_view, name="confirm"),
    path("pending/", views.pending_view, name="pending"),
    path("requests/<int:req_id>/approve/", views.approve_view, name="approve"),
    path("requests/<int:req_id>/reject/", views.reject_view, name="reject"),
    path("listing/", views.listing_view, name="listing"),
    path("listing.csv", views.listing_csv_view, name="listing_csv"),
    path("reports/", views.reports_view, name="reports"),
]
