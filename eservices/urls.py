from django.urls import path

from . import views

app_name = "connect"
# "connect:login" is the accounts login view for the Client Connect portal, added by
# ccass_portal.urls. One line per page or button (SPEC E1-E4).

urlpatterns = [
    path("", views.home_view, name="home"),
    path("eservices/new/<str:form>/", views.create_view, name="create"),
    path("eservices/<int:pk>/", views.record_view, name="record"),
    path("eservices/<int:pk>/save/", views.save_view, name="save"),
    path("eservices/<int:pk>/request/", views.add_request_view, name="add_request"),
    path("eservices/<int:pk>/contact/", views.add_contact_view, name="add_contact"),
    path("eservices/<int:pk>/preview/", views.preview_view, name="preview"),
    path("eservices/<int:pk>/discard/", views.discard_view, name="discard"),
    path("eservices/<int:pk>/submit/", views.submit_view, name="submit"),
    path("eservices/<int:pk>/reclaim/", views.reclaim_view, name="reclaim"),
    path("eservices/<int:pk>/clone/", views.clone_view, name="clone"),
    path("eservices/<int:pk>/claim/", views.claim_view, name="claim"),
    path("eservices/<int:pk>/release/", views.release_view, name="release"),
    path("eservices/<int:pk>/refer/", views.refer_view, name="refer"),
    path("eservices/<int:pk>/revert/", views.revert_view, name="revert"),
    path("eservices/<int:pk>/confirm/", views.confirm_view, name="confirm"),
    path("eservices/<int:pk>/pdf/", views.pdf_view, name="pdf"),
]
