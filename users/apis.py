"""`/api/v1/me`: the signed-in user, their roles and memberships."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import NameField
from core.schema import ERROR_RESPONSES
from users.models import User
from users.notifications import KINDS, wants
from users.permissions import session_passed_mfa
from users.selectors import me_get
from users.services import user_set_email_preferences, user_update_profile


class MembershipSerializer(serializers.Serializer):
    kind = serializers.CharField()
    organisation_id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    role = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    email_verified = serializers.BooleanField()
    is_staff = serializers.BooleanField(source="user.is_staff")
    mfa_enabled = serializers.BooleanField()
    mfa_required = serializers.BooleanField()
    session_mfa_verified = serializers.BooleanField(
        help_text="This session passed the second factor (role endpoints need it)."
    )
    roles = serializers.ListField(child=serializers.CharField())
    memberships = MembershipSerializer(many=True)


class MeApi(APIView):
    class UpdateInputSerializer(serializers.Serializer):
        full_name = NameField(max_length=200, allow_blank=True)

    @extend_schema(
        operation_id="me_retrieve",
        responses={200: MeOutputSerializer, **ERROR_RESPONSES},
        summary="The signed-in user, their roles and memberships",
    )
    def get(self, request: Request) -> Response:
        me = me_get(user=request.user, session_mfa_verified=session_passed_mfa(request))  # type: ignore[arg-type]
        return Response(MeOutputSerializer(me).data)

    @extend_schema(
        operation_id="me_update",
        request=UpdateInputSerializer(partial=True),
        responses={200: MeOutputSerializer, **ERROR_RESPONSES},
        summary="Change your profile: send only the fields to change",
    )
    def patch(self, request: Request) -> Response:
        serializer = self.UpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        user: User = request.user  # type: ignore[assignment]
        if "full_name" in data:
            user = user_update_profile(actor=user, user=user, full_name=data["full_name"])
        return Response(
            MeOutputSerializer(
                me_get(user=user, session_mfa_verified=session_passed_mfa(request))
            ).data
        )


class NotificationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    description = serializers.CharField()
    optional = serializers.BooleanField(help_text="False: about money or a deadline, always sent.")
    enabled = serializers.BooleanField()


def _preferences(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind.name,
            "description": kind.description,
            "optional": kind.optional,
            "enabled": wants(user, kind.name),
        }
        for kind in KINDS.values()
    ]


class MyNotificationsApi(APIView):
    class ChangeSerializer(serializers.Serializer):
        changes = serializers.DictField(
            child=serializers.BooleanField(),
            help_text='Kinds to turn on or off, e.g. {"grant_received": false}.',
        )

    @extend_schema(
        operation_id="me_notifications",
        responses={200: NotificationSerializer(many=True), **ERROR_RESPONSES},
        summary="The emails we send you, and which you have turned off",
    )
    def get(self, request: Request) -> Response:
        return Response(NotificationSerializer(_preferences(request.user), many=True).data)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="me_notifications_update",
        request=ChangeSerializer,
        responses={200: NotificationSerializer(many=True), **ERROR_RESPONSES},
        summary="Turn optional emails on or off",
        description="Emails about money you are owed or a deadline cannot be turned off (400).",
    )
    def patch(self, request: Request) -> Response:
        serializer = self.ChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_set_email_preferences(
            actor=request.user,  # type: ignore[arg-type]
            user=request.user,  # type: ignore[arg-type]
            changes=serializer.validated_data["changes"],
        )
        return Response(NotificationSerializer(_preferences(user), many=True).data)
