"""Domain errors of providers/ (stable codes)."""

from core.errors import Conflict, DomainError, Forbidden, NotFound


class UkprnTaken(Conflict):
    code = "ukprn_taken"
    default_detail = "A provider with this UKPRN is already registered."


class ProviderAdminRequired(Forbidden):
    code = "provider_admin_required"
    default_detail = "Only the provider's admins can do this."


class InvalidStatusChange(Conflict):
    code = "invalid_status_change"
    default_detail = "The provider cannot move to that status from its current one."


class AlreadyMember(Conflict):
    code = "already_member"
    default_detail = "This person is already on the provider's team."


class LastAdmin(Conflict):
    code = "last_admin"
    default_detail = "A provider must keep at least one admin."


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    default_detail = "This invitation does not exist, has expired or was already used."


class InvitationForSomeoneElse(DomainError):
    code = "invitation_for_someone_else"
    default_detail = "This invitation was sent to another email address."


class ProviderNotActive(DomainError):
    code = "provider_not_active"
    default_detail = "The provider is not approved at the moment; this cannot go ahead."
