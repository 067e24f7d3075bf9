from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/smartcard/", views.smartcard_login_view, name="smartcard"),
    path("login/otp/", views.otp_view, name="otp"),
    path("login/otp/request/", views.otp_request_view, name="otp_request"),
    path("login/setup/", views.setup_view, name="setup"),
    path("login/setup/register/", views.register_device_view, name="setup_register"),
    path("login/setup/verify/", views.verify_device_view, name="setup_verify"),
    path("login/setup/skip/", views.skip_view, name="setup_skip"),
    path("login/password-expired/", views.password_expired_view, name="password_expired"),
    path("login/reset/", views.reset_start_view, name="reset"),
    path("login/reset/otp/", views.reset_otp_view, name="reset_otp"),
    path("login/reset/otp/request/", views.reset_otp_request_view, name="reset_otp_request"),
    path("login/reset/password/", views.reset_password_view, name="reset_password"),
    path("account/password/", views.change_password_view, name="change_password"),
    path("account/password/update/", views.change_password_update_view,
         name="change_password_update"),
    path("account/authentication/", views.authentication_settings_view,
         name="authentication_settings"),
    path("account/authentication/delete-device/", views.device_delete_view,
         name="device_delete"),
    path("account/authentication/oath-off/", views.oath_off_view, name="oath_off"),
    path("logout/", views.logout_view, name="logout"),
]
