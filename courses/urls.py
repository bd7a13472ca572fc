from django.urls import path

from courses.apis import catalogue, provider
from courses.apis.enrolments import funder as funder_enrolments
from courses.apis.enrolments import learner as learner_enrolments
from courses.apis.enrolments import provider as provider_enrolments

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
        learner_enrolments.CohortApplyApi.as_view(),
        name="cohort-apply",
    ),
    path(
        "enrolments/mine", learner_enrolments.MyEnrolmentListApi.as_view(), name="enrolments-mine"
    ),
    path(
        "enrolments/<int:enrolment_id>",
        learner_enrolments.MyEnrolmentDetailApi.as_view(),
        name="enrolment-mine",
    ),
    path(
        "enrolments/<int:enrolment_id>/events",
        learner_enrolments.MyEnrolmentEventsApi.as_view(),
        name="enrolment-mine-events",
    ),
    path(
        "enrolments/<int:enrolment_id>/accept",
        learner_enrolments.EnrolmentAcceptApi.as_view(),
        name="enrolment-accept",
    ),
    path(
        "enrolments/<int:enrolment_id>/decline",
        learner_enrolments.LearnerDeclineApi.as_view(),
        name="enrolment-decline",
    ),
    path(
        "enrolments/<int:enrolment_id>/withdraw",
        learner_enrolments.EnrolmentWithdrawApi.as_view(),
        name="enrolment-withdraw",
    ),
    path(
        "enrolments/<int:enrolment_id>/confirm-start",
        learner_enrolments.EnrolmentConfirmStartApi.as_view(),
        name="enrolment-confirm-start",
    ),
    path(
        "enrolments/<int:enrolment_id>/problems",
        learner_enrolments.EnrolmentProblemApi.as_view(),
        name="enrolment-problems",
    ),
    # Providers
    path(
        "provider/cohorts/<int:cohort_id>/enrolments",
        provider_enrolments.ProviderCohortEnrolmentsApi.as_view(),
        name="provider-cohort-enrolments",
    ),
    path(
        "provider/cohorts/<int:cohort_id>/cancel",
        provider_enrolments.ProviderCohortCancelApi.as_view(),
        name="provider-cohort-cancel",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>",
        provider_enrolments.ProviderEnrolmentDetailApi.as_view(),
        name="provider-enrolment",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/events",
        provider_enrolments.ProviderEnrolmentEventsApi.as_view(),
        name="provider-enrolment-events",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/offer",
        provider_enrolments.ProviderOfferApi.as_view(),
        name="provider-enrolment-offer",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/decline",
        provider_enrolments.ProviderDeclineApi.as_view(),
        name="provider-enrolment-decline",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/start",
        provider_enrolments.ProviderRecordStartApi.as_view(),
        name="provider-enrolment-start",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/attendance",
        provider_enrolments.ProviderAttendanceApi.as_view(),
        name="provider-enrolment-attendance",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/complete",
        provider_enrolments.ProviderCompleteApi.as_view(),
        name="provider-enrolment-complete",
    ),
    path(
        "provider/enrolments/<int:enrolment_id>/outcome",
        provider_enrolments.ProviderOutcomeApi.as_view(),
        name="provider-enrolment-outcome",
    ),
    # Funders
    path(
        "funder/enrolments",
        funder_enrolments.FunderEnrolmentListApi.as_view(),
        name="funder-enrolments",
    ),
    path(
        "funder/enrolments/<int:enrolment_id>",
        funder_enrolments.FunderEnrolmentDetailApi.as_view(),
        name="funder-enrolment",
    ),
    path(
        "funder/enrolments/<int:enrolment_id>/verify-outcome",
        funder_enrolments.FunderVerifyOutcomeApi.as_view(),
        name="funder-enrolment-verify",
    ),
]
