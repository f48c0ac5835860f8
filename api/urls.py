from django.urls import path

from . import views

# The page API-sleutels, reversed as "apikeys:<name>"; the API itself is api.v1 at /api/v1/.
app_name = "apikeys"

urlpatterns = [
    path("api-sleutels/", views.api_keys, name="list"),
    path("api-sleutels/nieuw/", views.api_key_create, name="create"),
    path("api-sleutels/<int:key_id>/intrekken/", views.api_key_revoke, name="revoke"),
    path(
        "api-sleutels/omgevingen/<int:environment_id>/token/",
        views.environment_token_create,
        name="token_create",
    ),
    path(
        "api-sleutels/tokens/<int:token_id>/intrekken/", views.environment_token_revoke, name="token_revoke"
    ),
]
