"""Public certificate pages outside the API: the verification page and the JWKS."""

from django.urls import path

from certificates import views

urlpatterns = [
    path("verify/<str:verification_id>", views.verify_page, name="certificate-verify-page"),
    path(
        "verify/<str:verification_id>/check",
        views.verify_check,
        name="certificate-verify-check",
    ),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
