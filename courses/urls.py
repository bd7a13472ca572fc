from django.urls import path

from courses.apis import catalogue, provider

urlpatterns = [
    path("courses", catalogue.CatalogueListApi.as_view(), name="catalogue"),
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
    path(
        "provider/cohorts/<int:cohort_id>/timetable",
        provider.ProviderCohortTimetableApi.as_view(),
        name="provider-cohort-timetable",
    ),
]
