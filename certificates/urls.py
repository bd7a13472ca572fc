"""Certificate API routes, under /api/v1/ (pages and the JWKS: certificates/public_urls.py)."""

from django.urls import path

from certificates.apis import learner, provider, public

urlpatterns = [
    # Providers
    path(
        "provider/enrolments/<int:enrolment_id>/certificate",
        provider.ProviderCertificateIssueApi.as_view(),
        name="provider-certificate-issue",
    ),
    path(
        "provider/cohorts/<int:cohort_id>/certificates",
        provider.ProviderCohortCertificatesApi.as_view(),
        name="provider-cohort-certificates",
    ),
    path(
        "provider/certificates",
        provider.ProviderCertificateListApi.as_view(),
        name="provider-certificates",
    ),
    path(
        "provider/certificates/<uuid:verification_id>",
        provider.ProviderCertificateDetailApi.as_view(),
        name="provider-certificate",
    ),
    path(
        "provider/certificates/<uuid:verification_id>/reissue",
        provider.ProviderCertificateReissueApi.as_view(),
        name="provider-certificate-reissue",
    ),
    path(
        "provider/certificates/<uuid:verification_id>/revoke",
        provider.ProviderCertificateRevokeApi.as_view(),
        name="provider-certificate-revoke",
    ),
    path(
        "provider/certificates/<uuid:verification_id>/pdf",
        provider.ProviderCertificatePdfApi.as_view(),
        name="provider-certificate-pdf",
    ),
    # Learners
    path("certificates/mine", learner.MyCertificateListApi.as_view(), name="certificates-mine"),
    path(
        "certificates/mine/<uuid:verification_id>/pdf",
        learner.MyCertificatePdfApi.as_view(),
        name="certificate-mine-pdf",
    ),
    path(
        "certificates/mine/<uuid:verification_id>/credential",
        learner.MyCertificateCredentialApi.as_view(),
        name="certificate-mine-credential",
    ),
    # Anyone
    path(
        "certificates/verify/<uuid:verification_id>",
        public.CertificateVerifyApi.as_view(),
        name="certificate-verify",
    ),
    path(
        "certificates/verify/<uuid:verification_id>/check",
        public.CertificatePdfCheckApi.as_view(),
        name="certificate-pdf-check",
    ),
    path(
        "certificates/<uuid:verification_id>/status",
        public.CertificateStatusApi.as_view(),
        name="certificate-status",
    ),
]
