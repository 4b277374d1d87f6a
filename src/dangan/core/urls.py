"""Routes of the core pages under /manage/: sign-in, own password and tokens, accounts, clearances, sign-in locks,
audit log."""

from django.urls import path

from . import views, views_audit

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/role/", views.user_set_role, name="user_set_role"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("clearances/", views.clearance_list, name="clearance_list"),
    path("clearances/<int:pk>/", views.clearance_set, name="clearance_set"),
    path("clearances/<int:pk>/confirm/", views.clearance_confirm, name="clearance_confirm"),
    path("sign-in-locks/", views.signin_lock_list, name="signin_lock_list"),
    path("sign-in-locks/<int:pk>/unlock/", views.signin_unlock, name="signin_unlock"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/verify/", views_audit.audit_verify, name="audit_verify"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
]
