"""URLs: the versioned API, allauth (headless and its pages), OpenAPI docs, health checks, the
admin, the public certificate pages (`/verify/<id>`, `/.well-known/jwks.json`) and the
funder dashboard (`/funders/<id>/dashboard/`)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from config import health
from core.schema import SchemaView
from providers import views as provider_views

api_v1 = [
    path("", include("users.urls")),
    path("", include("providers.urls")),
    path("", include("wallets.urls")),
    path("", include("courses.urls")),
    path("", include("enrolments.urls")),
    path("", include("certificates.urls")),
    path("", include("payments.urls")),
    path("", include("audit.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("_allauth/", include("allauth.headless.urls")),
    # allauth's own pages (templates/account, templates/mfa): sign-in for the admin, and the
    # pages that links in emails open (email verification, password reset).
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("certificates.public_urls")),
    # The co-payment checkout page (Stripe.js), for a learner signed in through /accounts/.
    path("payments/", include("payments.page_urls")),
    path("", include("audit.page_urls")),
    path(
        "providers/invitations/<str:token>",
        provider_views.invitation_page,
        name="provider-invitation-page",
    ),
]

handler400 = "core.errors.handler400"
handler403 = "core.errors.handler403"
handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"
