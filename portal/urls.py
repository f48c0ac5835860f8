from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import v1 as api_v1
from licensing.views.dashboard import dashboard

from . import forms, health, views

# The portal's own pages, reversed as "portal:<name>".
portal_patterns = [
    path("organisatie/", views.choose_customer, name="choose_customer"),
    path("contactpersonen/", views.contacts, name="contacts"),
    path("contactpersonen/uitnodigen/", views.invite_contact, name="invite_contact"),
    path("contactpersonen/<int:membership_id>/rol/", views.change_role, name="change_role"),
    path("contactpersonen/<int:membership_id>/verwijderen/", views.remove_contact, name="remove_contact"),
]

auth_patterns = [
    path(
        "login/",
        views.LoginView.as_view(authentication_form=forms.LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord-vergeten/",
        auth_views.PasswordResetView.as_view(form_class=forms.PasswordResetForm),
        name="password_reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-instellen/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-instellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    *auth_patterns,
    path("", dashboard, name="dashboard"),
    path("", include((portal_patterns, "portal"))),
    path("", include("licensing.urls")),
    path("", include("api.urls")),
    # Liveness and readiness for a load balancer and monitoring (portal/health.py); no login.
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls()),
    path("", include("api.afas")),
]
