"""Provider APIs: register a provider, manage its profile and team (scoped by membership)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import NameField
from core.pagination import IdCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from providers.models import ProviderMembership, ukprn_validator
from providers.selectors import (
    invitations_for_provider,
    membership_get_for_admin,
    provider_get_for_member,
    provider_list_for_member,
    provider_team,
)
from providers.services import (
    invitation_accept,
    membership_remove,
    provider_invite,
    provider_register,
    provider_update,
)
from users.models import User
from users.permissions import HasRoleMFA

CONFLICT = {409: error("Conflict (`ukprn_taken`, `already_member`, `last_admin`).")}


class ProviderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    trading_name = serializers.CharField()
    ukprn = serializers.CharField()
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    website = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()


class ProviderProfileInputSerializer(serializers.Serializer):
    legal_name = NameField(max_length=200)
    trading_name = NameField(max_length=200, required=False, allow_blank=True)
    address_line_1 = NameField(max_length=200, required=False, allow_blank=True)
    address_line_2 = NameField(max_length=200, required=False, allow_blank=True)
    town = NameField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=8, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.RegexField(r"^[0-9 +()-]{6,32}$", required=False, allow_blank=True)


class ProviderRegisterInputSerializer(ProviderProfileInputSerializer):
    ukprn = serializers.CharField(
        validators=[ukprn_validator], help_text="8 digits starting with 1."
    )


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ProviderRegisterApi(APIView):
    @extend_schema(
        operation_id="provider_register",
        request=ProviderRegisterInputSerializer,
        responses={201: ProviderOutputSerializer, **ERROR_RESPONSES, **CONFLICT},
        summary="Register a training provider; you become its admin and it awaits approval",
    )
    def post(self, request: Request) -> Response:
        serializer = ProviderRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider = provider_register(actor=_user(request), **serializer.validated_data)
        return Response(ProviderOutputSerializer(provider).data, status=status.HTTP_201_CREATED)


class ProviderMineListApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="providers_mine",
        responses={200: ProviderOutputSerializer(many=True), **ERROR_RESPONSES},
        summary="Providers you are a member of",
    )
    def get(self, request: Request) -> Response:
        providers = provider_list_for_member(user=request.user)
        return Response(ProviderOutputSerializer(providers, many=True).data)


class ProviderDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_retrieve",
        responses={200: ProviderOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="One of your providers",
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id)
        return Response(ProviderOutputSerializer(provider).data)

    @extend_schema(
        operation_id="provider_update",
        request=ProviderProfileInputSerializer(partial=True),
        responses={200: ProviderOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Change your provider's profile (admins)",
    )
    def patch(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id, admin=True)
        serializer = ProviderProfileInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        provider = provider_update(
            actor=_user(request), provider=provider, **serializer.validated_data
        )
        return Response(ProviderOutputSerializer(provider).data)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ProviderTeamApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class TeamSerializer(serializers.Serializer):
        members = MemberSerializer(many=True)
        invitations = InvitationSerializer(many=True)

    @extend_schema(
        operation_id="provider_team",
        summary="Your provider's team and open invitations",
        responses={200: TeamSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id)
        members, invitations = provider_team(provider=provider)
        return Response(self.TeamSerializer({"members": members, "invitations": invitations}).data)


class InvitationListSerializer(InvitationSerializer):
    state = serializers.CharField(help_text="pending, accepted or expired")
    invited_by = serializers.EmailField(source="invited_by.email")
    accepted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class InvitationPagination(IdCursorPagination):
    pass


class ProviderInvitationCreateApi(APIView):
    pagination_class = InvitationPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class InviteInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=ProviderMembership.Role.choices)

    class StateFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=["pending", "accepted", "expired"], required=False)

    @extend_schema(
        operation_id="provider_invitations",
        parameters=[StateFilterSerializer],
        responses={200: InvitationListSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
        summary="The team's invitations: pending, accepted and expired (admins)",
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id, admin=True)
        filters = self.StateFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        invitations = invitations_for_provider(
            provider=provider, state=filters.validated_data.get("state")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(invitations, request, view=self)
        return paginator.get_paginated_response(InvitationListSerializer(page, many=True).data)

    @extend_schema(
        operation_id="provider_invite",
        request=InviteInputSerializer,
        responses={201: InvitationSerializer, **ERROR_RESPONSES, **NOT_FOUND, **CONFLICT},
        summary="Invite someone to the team by email (admins)",
    )
    def post(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id, admin=True)
        serializer = self.InviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = provider_invite(
            actor=_user(request), provider=provider, **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class ProviderMembershipDeleteApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_member_remove",
        responses={204: None, **ERROR_RESPONSES, **NOT_FOUND, **CONFLICT},
        summary="Remove someone from the team (admins; the last admin stays)",
    )
    def delete(self, request: Request, provider_id: int, membership_id: int) -> Response:
        membership = membership_get_for_admin(
            user=request.user, provider_id=provider_id, membership_id=membership_id
        )
        membership_remove(actor=_user(request), membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptApi(APIView):
    class AcceptInputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=64)

    @extend_schema(
        operation_id="provider_invitation_accept",
        request=AcceptInputSerializer,
        responses={
            201: MemberSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            **CONFLICT,
            422: error("`invitation_for_someone_else`."),
        },
        summary="Accept an invitation sent to your email address",
    )
    def post(self, request: Request) -> Response:
        serializer = self.AcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = invitation_accept(
            actor=_user(request), token=serializer.validated_data["token"]
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)
