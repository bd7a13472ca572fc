"""Admin building blocks shared by every app, and the skills list (reference data)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from core.errors import DomainError
from core.models import AuditRecord, OutboxTask, Skill


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through services (or never): staff can look, not edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceEditAdmin(admin.ModelAdmin):
    """Edits are made by the app's service, with the acting user, never by saving the row.

    The change form offers only the fields the service lets staff change (status and money
    fields are read-only). Once the fields are valid, `edit_with_service` runs inside a
    savepoint as part of validation, so the service's refusals come back as form errors and
    change nothing; `save_model` then has nothing left to write.
    """

    def edit_with_service(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through their services (the API), which check everything

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change, **kwargs)
        model_admin = self

        class ServiceEditForm(base):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                changes = {
                    name: self.cleaned_data[name]
                    for name in self.changed_data
                    if name in self.cleaned_data
                }
                if self._errors or self.instance.pk is None or not changes:
                    super()._post_clean()
                    return
                # The service first (its messages are the ones people should read), then
                # Django's model checks; any refusal rolls the savepoint back.
                try:
                    with transaction.atomic():
                        model_admin.edit_with_service(request, self.instance, changes)
                        super()._post_clean()
                        if self._errors:
                            raise _RefusedByModelChecks
                except DomainError as exc:
                    _add_domain_error(self, exc)
                except _RefusedByModelChecks:
                    pass

        return ServiceEditForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.refresh_from_db()  # the service wrote it during validation; never overwrite that

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class _RefusedByModelChecks(Exception):
    pass


def _add_domain_error(form: forms.ModelForm[models.Model], exc: DomainError) -> None:
    fields = exc.extra.get("fields")
    if isinstance(fields, dict) and fields:
        for name, message in fields.items():
            if name in form.fields:
                form.add_error(name, str(message))
            else:
                form.add_error(None, f"{name}: {message}")
    else:
        form.add_error(None, exc.detail)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "active")
    list_filter = ("active",)
    search_fields = ("name", "slug")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A skill's slug is stored on courses and programmes: fixed once created.
        return ("slug",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire a skill by marking it inactive; courses keep their tags


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    """Background tasks waiting for the broker: rows that stay here mean Redis was down."""

    list_display = ["task_name", "created_at", "attempts", "last_error"]
    list_filter = ["task_name"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """The audit trail: kept as written (a database trigger refuses edits and deletions)."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "programme_id")
    list_filter = ("action",)
    search_fields = ("object_type", "object_id", "request_id", "actor__email")
    raw_id_fields = ("actor",)
