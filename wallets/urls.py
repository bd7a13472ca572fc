from django.urls import path

from wallets.apis import FunderDetailApi, FunderMineListApi

urlpatterns = [
    path("funders/mine", FunderMineListApi.as_view(), name="funder-mine"),
    path("funders/<int:funder_id>", FunderDetailApi.as_view(), name="funder-detail"),
]
