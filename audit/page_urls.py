"""The funder dashboard's HTML page (outside the API): `/funders/<id>/dashboard/`."""

from django.urls import URLPattern, path

from audit import pages

urlpatterns: list[URLPattern] = [
    path("funders/<int:funder_id>/dashboard/", pages.funder_dashboard, name="funder-dashboard"),
]
