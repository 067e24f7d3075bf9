from django.urls import path

from . import views

app_name = "connect"
# "connect:login" is the accounts login view for the Client Connect portal, added by
# ccass_portal.urls.

urlpatterns = [
    path("", views.home_view, name="home"),
    path("eservices/<int:pk>/pdf/", views.pdf_view, name="pdf"),
]
