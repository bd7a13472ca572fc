from django.urls import path

from providers import apis

urlpatterns = [
    path("providers", apis.ProviderRegisterApi.as_view(), name="provider-register"),
    path("providers/mine", apis.ProviderMineListApi.as_view(), name="provider-mine"),
    path("providers/<int:provider_id>", apis.ProviderDetailApi.as_view(), name="provider-detail"),
    path("providers/<int:provider_id>/team", apis.ProviderTeamApi.as_view(), name="provider-team"),
    path(
        "providers/<int:provider_id>/invitations",
        apis.ProviderInvitationCreateApi.as_view(),
        name="provider-invite",
    ),
    path(
        "providers/<int:provider_id>/team/<int:membership_id>",
        apis.ProviderMembershipDeleteApi.as_view(),
        name="provider-member-remove",
    ),
    path(
        "provider-invitations/accept",
        apis.InvitationAcceptApi.as_view(),
        name="provider-invitation-accept",
    ),
]
