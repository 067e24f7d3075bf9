from django.urls import path

from . import views

app_name = "dms"
# "dms:login" is the accounts login view for the DMS portal, added by ccass_portal.urls.

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("home/", views.home_view, name="home"),
    path("sitemap/", views.sitemap_view, name="sitemap"),
    path("profiles/create/", views.create_view, name="create"),
    path("profiles/<str:function>/", views.prompt_view, name="prompt"),
    # One name for the three Detail pages: {% url "dms:detail" function=... user_id=... %}
    path("profiles/change/<str:user_id>/", views.change_view, {"function": "change"},
         name="detail"),
    path("profiles/delete/<str:user_id>/", views.delete_view, {"function": "delete"},
         name="detail"),
    path("profiles/enquire/<str:user_id>/", views.enquire_view, {"function": "enquire"},
         name="detail"),
    path("requests/<int:req_id>/confirm/", views.confirm_view, name="confirm"),
    path("pending/", views.pending_view, name="pending"),
    path("requests/<int:req_id>/approve/", views.approve_view, name="approve"),
    path("requests/<int:req_id>/reject/", views.reject_view, name="reject"),
    path("listing/", views.listing_view, name="listing"),
    path("listing.csv", views.listing_csv_view, name="listing_csv"),
    path("reports/", views.reports_view, name="reports"),
]
