from django.urls import path

from users.apis import MeApi, MyNotificationsApi

urlpatterns = [
    path("me", MeApi.as_view(), name="me"),
    path("me/notifications", MyNotificationsApi.as_view(), name="me-notifications"),
]
