"""The admin: a look behind the pages. Revisions and runs are records, so read-only."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from contest.models import Category, Contest, Entry, EntryRevision, Run, SampleTask
from contest.organise.rules import (
    check_task_personal_data,
    confirmed_task_texts,
    model_settings_editable,
    task_texts,
)

_M = TypeVar("_M", bound=models.Model)

TASK_FIELDS = (*SampleTask.CONTENT_FIELDS, "position")


class CategoryInline(admin.TabularInline[Category, Contest]):
    model = Category
    extra = 0
    fields = ["name", "position"]


class SampleTaskAdminForm(forms.ModelForm[SampleTask]):
    """The PII guard as on the organiser's page, without the box to confirm: confirming is
    done there, where it is recorded with the organiser's name."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.has_changed():
            return cleaned
        variables = cleaned.get("variables")
        texts = task_texts(
            title=cleaned.get("title", ""),
            input=cleaned.get("input", ""),
            variables=variables if isinstance(variables, dict) else {},
        )
        try:
            check_task_personal_data(
                texts, confirming=False, confirmed_before=confirmed_task_texts(self.instance)
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class SampleTaskInline(admin.StackedInline[SampleTask, Contest]):
    """Read-only once the contest's entries have runs: every entry is compared on these."""

    model = SampleTask
    form = SampleTaskAdminForm
    extra = 0
    fields = [*TASK_FIELDS, *SampleTask.CONFIRMATION_FIELDS]

    def _locked(self, obj: Contest | None) -> bool:
        return obj is not None and not model_settings_editable(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if self._locked(obj):
            return list(TASK_FIELDS) + list(SampleTask.CONFIRMATION_FIELDS)
        return list(SampleTask.CONFIRMATION_FIELDS)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin[Contest]):
    list_display = ["title", "slug", "status", "opens_at", "closes_at", "model_provider"]
    list_filter = ["status", "model_provider"]
    search_fields = ["title", "slug"]
    # Status changes go through the lifecycle (organiser dashboard), which checks guards.
    readonly_fields = ["status", "created_by", "created_at"]
    filter_horizontal = ["judges"]
    inlines = [CategoryInline, SampleTaskInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and not model_settings_editable(obj):
            fields += Contest.MODEL_FIELDS
        return fields


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Records written by services; editing one here would break what judges compare."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin[Entry]):
    list_display = ["title", "contest", "author", "status", "revision", "submitted_at"]
    list_filter = ["status", "contest"]
    search_fields = ["title", "author__email", "author__display_name"]
    list_select_related = ["contest", "author"]
    raw_id_fields = ["author"]
    readonly_fields = ["revision", "form_token", "submitted_at", "created_at", "updated_at"]


@admin.register(EntryRevision)
class EntryRevisionAdmin(ReadOnlyAdmin[EntryRevision]):
    list_display = ["title", "entry", "number", "submitted_at"]
    list_filter = ["entry__contest"]
    search_fields = ["title", "entry__title"]
    list_select_related = ["entry"]


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin[Run]):
    list_display = [
        "pk",
        "entry",
        "sample_task",
        "sample_index",
        "status",
        "attempts",
        "model",
        "cost_yen",
        "finished_at",
    ]
    list_filter = ["status", "provider", "sample_task__contest"]
    search_fields = ["entry__title", "error"]
    list_select_related = ["entry", "sample_task"]
