from django.urls import path

from courses.apis import catalogue, enrolments, provider

urlpatterns = [
    path("courses/", catalogue.CatalogueListApi.as_view(), name="catalogue"),
    path(
        "courses/<int:course_id>", catalogue.CatalogueDetailApi.as_view(), name="catalogue-course"
    ),
    path("skills", catalogue.SkillListApi.as_view(), name="skills"),
    path(
        "providers/<int:provider_id>/courses",
        provider.ProviderCourseListCreateApi.as_view(),
        name="provider-courses",
    ),
    path(
        "provider/courses/<int:course_id>",
        provider.ProviderCourseDetailApi.as_view(),
        name="provider-course",
    ),
    path(
        "provider/courses/<int:course_id>/cohorts",
        provider.ProviderCohortListCreateApi.as_view(),
        name="provider-cohorts",
    ),
    path(
        "provider/cohorts/<int:cohort_id>",
        provider.ProviderCohortDetailApi.as_view(),
        name="provider-cohort",
    ),
    # Learners
    path(
        "cohorts/<int:cohort_id>/enrolments",
        enrolments.CohortApplyApi.as_view(),
        name="cohort-apply",
    ),
    path("enrolments/mine", enrolments.MyEnrolmentListApi.as_view(), name="enrolments-mine"),
    path(
        "enrolments/<int:enrolment_id>",
        enrolments.MyEnrolmentDetailApi.as_view(),
        name="enrolment-mine",
    ),
    path(
        "enrolments/<int:enrolment_id>/events",
        enrolments.MyEnrolmentEventsApi.as_view(),
        name="enrolment-mine-events",
    ),
    path(
        "enrolments/<int:enrolment_id>/accept",
        enrolments.EnrolmentAcceptApi.as_view(),
        name="enrolment-accept",
    ),
    path(
        "enrolments/<int:enrolment_id>/decline",
        enrolments.LearnerDeclineApi.as_view(),
        name="enrolment-decline",
    ),
    path(
        "enrolments/<int:enrolment_id>/withdraw",
        enrolments.EnrolmentWithdrawApi.as_view(),
        name="enrolment-withdraw",
    ),
    path(
        "enrolments/<int:enrolment_id>/confirm-start",
        enrolments.EnrolmentConfirmStartApi.as_view(),
        name="enrolment-confirm-start",
    ),
    path(
        "enrolments/<int:enrolment_id>/problems",
        enrolments.EnrolmentProblemApi.as_view(),
        name="enrolment-problems",
    ),
    # Providers
    path(
        "provider/cohorts/<int:cohort_id>/enrolments",
        enrolments.ProviderCohortEnrolmentsApi.as_view(),
        name="provider-cohort-enrolments",
    ),
    path(
        "provider/cohorts/<int:cohort_id>/cancel",
        enrolments.ProviderCohortCancelApi.as_view(),
        name="provider-cohort-cancel",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>",
        enrolments.ProviderEnrolmentDetailApi.as_view(),
        name="provider-enrolment",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/events",
        enrolments.ProviderEnrolmentEventsApi.as_view(),
        name="provider-enrolment-events",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/offer",
        enrolments.ProviderOfferApi.as_view(),
        name="provider-enrolment-offer",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/decline",
        enrolments.ProviderDeclineApi.as_view(),
        name="provider-enrolment-decline",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/start",
        enrolments.ProviderRecordStartApi.as_view(),
        name="provider-enrolment-start",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/attendance",
        enrolments.ProviderAttendanceApi.as_view(),
        name="provider-enrolment-attendance",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/complete",
        enrolments.ProviderCompleteApi.as_view(),
        name="provider-enrolment-complete",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/outcome",
        enrolments.ProviderOutcomeApi.as_view(),
        name="provider-enrolment-outcome",
    ),
    # Funders
    path(
        "funder/enrolments", enrolments.FunderEnrolmentListApi.as_view(), name="funder-enrolments"
    ),
    path(
        "funder/enrolments/<int:enrolment_id>",
        enrolments.FunderEnrolmentDetailApi.as_view(),
        name="funder-enrolment",
    ),
    path(
        "funder/enrolments/<int:enrolment_id>/verify-outcome",
        enrolments.FunderVerifyOutcomeApi.as_view(),
        name="funder-enrolment-verify",
    ),
]
