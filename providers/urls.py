from django.urls import path

from providers.apis import ProviderDetailApi, ProviderMineListApi

urlpatterns = [
    path("providers/mine", ProviderMineListApi.as_view(), name="provider-mine"),
    path("providers/<int:provider_id>", ProviderDetailApi.as_view(), name="provider-detail"),
]
