"""Output serializers shared by the wallet APIs. Amounts are integers in minor units."""

from __future__ import annotations

from rest_framework import serializers

from wallets.models import FundingProgramme
from wallets.services.programmes import EDITABLE_FIELDS


class ProgrammeOutputSerializer(serializers.ModelSerializer[FundingProgramme]):
    funder_name = serializers.CharField(source="funder.name", read_only=True)

    class Meta:
        model = FundingProgramme
        # Everything an officer can set (the service's list), plus what the system sets.
        fields = [
            "id",
            "funder_id",
            "funder_name",
            "currency",
            "status",
            *sorted(EDITABLE_FIELDS),
            "created_at",
        ]
        read_only_fields = fields


class PublicProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    funder_name = serializers.CharField(source="funder.name")
    name = serializers.CharField()
    description = serializers.CharField()
    currency = serializers.CharField()
    allowance = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    min_age = serializers.IntegerField()
    regions = serializers.ListField(child=serializers.CharField())
    employment_statuses = serializers.ListField(child=serializers.CharField())
    max_prior_qualification_level = serializers.IntegerField(allow_null=True)
    funds_expiry_months = serializers.IntegerField()


class ApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme_id = serializers.IntegerField()
    programme_name = serializers.CharField(source="programme.name")
    learner_email = serializers.EmailField(source="learner.email")
    status = serializers.CharField()
    date_of_birth = serializers.DateField()
    postcode = serializers.CharField()
    region = serializers.CharField()
    employment_status = serializers.CharField()
    highest_qualification_level = serializers.IntegerField()
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class GrantOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme_id = serializers.IntegerField()
    learner_email = serializers.EmailField(source="learner.email")
    amount = serializers.IntegerField()
    currency = serializers.CharField(source="programme.currency")
    pot_id = serializers.IntegerField(source="pot.id")
    expires_at = serializers.DateTimeField(source="pot.expires_at")
    transaction_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
