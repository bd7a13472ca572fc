"""Provider APIs for the provider's own people (scoped by membership)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import ERROR_RESPONSES, NOT_FOUND
from providers.selectors import provider_get_for_member, provider_list_for_member
from users.permissions import HasRoleMFA


class ProviderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    trading_name = serializers.CharField()
    ukprn = serializers.CharField()
    status = serializers.CharField()


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
