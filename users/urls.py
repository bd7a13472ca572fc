from django.urls import path

from users.apis import MeApi

urlpatterns = [
    path("me", MeApi.as_view(), name="me"),
]
