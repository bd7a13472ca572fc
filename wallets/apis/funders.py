"""Funder APIs for the funder's own officers and auditors (scoped by membership)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ERROR_RESPONSES, NOT_FOUND
from users.permissions import HasRoleMFA
from wallets.selectors import funder_get_for_member, funder_list_for_member


class FunderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FunderMineListApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funders_mine",
        responses={200: FunderOutputSerializer(many=True), **ERROR_RESPONSES},
        summary="Funders you are a member of",
    )
    def get(self, request: Request) -> Response:
        funders = funder_list_for_member(user=request.user)
        return Response(FunderOutputSerializer(funders, many=True).data)


class FunderDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_retrieve",
        responses={200: FunderOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="One of your funders",
    )
    def get(self, request: Request, funder_id: int) -> Response:
        funder = funder_get_for_member(user=request.user, funder_id=funder_id)
        return Response(FunderOutputSerializer(funder).data)
