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
from users.permissions import session_passed_mfa
from users.selectors import me_get
from users.services import user_update_profile


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
