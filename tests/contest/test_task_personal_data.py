"""Sample tasks go through the PII guard on every path: services, form, CSV, bundle, admin.

A task reaches the model, entrants and judges; what looks like personal data is refused
with the same masked findings as an entry, unless an organiser confirms it is fictional or
public, which the task records (who and when).
"""

import copy
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from contest.admin import TASK_FIELDS, SampleTaskAdminForm
from contest.models import Contest, SampleTask
from contest.organise.bundle import BundleError, bundle_import
from contest.organise.rules import DataConfirmation
from contest.organise.services import task_create, task_update
from contest.organise.task_csv import tasks_import_csv
from tests import factories
from tests.contest.test_bundle_import import GOOD

PHONE_INPUT = "住民の山田様（090-1234-5678）から、ごみの収集日について問い合わせがありました。"
MASKED_PHONE = "•••-••••-••78"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def contest(organiser: User) -> Contest:
    return factories.make_contest(status=Contest.Status.DRAFT, created_by=organiser)


def _new_task(contest: Contest, **fields: Any) -> SampleTask:
    values: dict[str, Any] = {"title": "問い合わせ対応", "input": PHONE_INPUT, "variables": {}}
    values.update(fields)
    return task_create(contest=contest, **values)


# --- Services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_task_with_personal_data_is_refused_with_the_masked_finding(contest: Contest) -> None:
    with pytest.raises(ValidationError) as refused:
        _new_task(contest)
    errors = refused.value.message_dict
    assert list(errors) == ["input"]
    assert "Sample tasks are sent to the AI model" in errors["input"][0]
    assert errors["input"][1] == f"phone number in “Input”, line 1: {MASKED_PHONE}"
    assert "1234" not in " ".join(errors["input"])
    assert not contest.sample_tasks.exists()


@pytest.mark.django_db
def test_title_and_every_variable_value_are_checked(contest: Contest) -> None:
    with pytest.raises(ValidationError) as refused:
        _new_task(
            contest,
            title="taro@example.jp さんの件",
            input="ごみの収集日についての問い合わせです。",
            variables={"audience": "高齢者", "contact": "連絡先 045-671-2345"},
        )
    errors = refused.value.message_dict
    assert set(errors) == {"title", "variables"}
    assert "e-mail address in “Title”, line 1" in errors["title"][1]
    assert errors["variables"][1] == "phone number in the variable “contact”, line 1: •••-•••-••45"


@pytest.mark.django_db
def test_confirmed_task_is_saved_with_who_confirmed_it_and_when(
    contest: Contest, organiser: User
) -> None:
    before = timezone.now()
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    task.refresh_from_db()
    assert task.input == PHONE_INPUT
    assert task.personal_data_confirmed_by == organiser
    assert task.personal_data_confirmed_at is not None
    assert task.personal_data_confirmed_at >= before


@pytest.mark.django_db
def test_a_task_without_personal_data_records_no_confirmation(
    contest: Contest, organiser: User
) -> None:
    task = _new_task(
        contest, input="本文に個人情報はありません。", confirmation=DataConfirmation(by=organiser)
    )
    assert task.personal_data_confirmed_by is None
    assert task.personal_data_confirmed_at is None


@pytest.mark.django_db
def test_confirmed_task_keeps_its_confirmation_while_its_texts_stay(
    contest: Contest, organiser: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    confirmed_at = task.personal_data_confirmed_at
    task_update(task=task, fields={"checks": [{"type": "is_json"}], "visible_to_entrants": False})
    task.refresh_from_db()
    assert task.checks == [{"type": "is_json"}]
    assert (task.personal_data_confirmed_by, task.personal_data_confirmed_at) == (
        organiser,
        confirmed_at,
    )


@pytest.mark.django_db
def test_changed_text_with_personal_data_needs_a_new_confirmation(
    contest: Contest, organiser: User, judge: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    changed = PHONE_INPUT + "\n折り返しは 03-1234-5678 まで。"
    with pytest.raises(ValidationError) as refused:
        task_update(task=task, fields={"input": changed})
    assert "phone number in “Input”, line 2: ••-••••-••78" in refused.value.messages
    task.refresh_from_db()
    assert task.input == PHONE_INPUT
    task_update(task=task, fields={"input": changed}, confirmation=DataConfirmation(by=judge))
    task.refresh_from_db()
    assert task.input == changed
    assert task.personal_data_confirmed_by == judge


@pytest.mark.django_db
def test_the_service_compares_with_what_is_stored_not_with_the_object_it_is_given(
    contest: Contest, organiser: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    # A form writes the typed values onto its instance before the view calls the service.
    task.input = PHONE_INPUT + " メール taro@example.jp"
    with pytest.raises(ValidationError):
        task_update(task=task, fields={"input": task.input})
    assert SampleTask.objects.get(pk=task.pk).input == PHONE_INPUT


@pytest.mark.django_db
def test_removing_the_personal_data_removes_the_confirmation(
    contest: Contest, organiser: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    task_update(task=task, fields={"input": "電話番号は伏せました。"})
    task.refresh_from_db()
    assert task.personal_data_confirmed_by is None
    assert task.personal_data_confirmed_at is None


@pytest.mark.django_db
def test_an_unconfirmed_task_from_before_the_guard_must_be_confirmed_to_change(
    contest: Contest,
) -> None:
    task = factories.make_task(contest, input=PHONE_INPUT)
    with pytest.raises(ValidationError):
        task_update(task=task, fields={"visible_to_entrants": False})


@pytest.mark.django_db
def test_the_database_refuses_a_confirmer_without_a_time(contest: Contest, organiser: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_task(contest, personal_data_confirmed_by=organiser)


# --- The organiser's form -----------------------------------------------------------------


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _task_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "問い合わせ対応",
        "input": PHONE_INPUT,
        "variables": "audience: 窓口担当",
        "visible_to_entrants": "on",
        "checks": "max_chars: 300",
    }
    data.update(overrides)
    return data


def _confirm_box(page: str) -> str:
    start = page.index('name="confirm_personal_data"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


@pytest.mark.django_db
def test_form_hides_the_confirmation_until_something_is_found(
    organiser_client: Client, contest: Contest
) -> None:
    page = organiser_client.get(reverse("organiser_task_create", args=[contest.slug]))
    assert 'type="hidden"' in _confirm_box(page.content.decode())


@pytest.mark.django_db
def test_form_refuses_personal_data_keeping_what_was_typed_and_shows_the_box(
    organiser_client: Client, contest: Contest
) -> None:
    url = reverse("organiser_task_create", args=[contest.slug])
    response = organiser_client.post(url, _task_data())
    page = response.content.decode()
    assert response.status_code == 200
    assert f"phone number in “Input”, line 1: {MASKED_PHONE}" in page
    assert PHONE_INPUT in page  # the organiser's text is kept to edit
    assert "audience: 窓口担当" in page
    assert "max_chars: 300" in page
    assert 'type="checkbox"' in _confirm_box(page)
    assert not contest.sample_tasks.exists()


@pytest.mark.django_db
def test_form_saves_with_the_box_ticked_and_the_pages_show_the_record(
    organiser_client: Client, contest: Contest, organiser: User
) -> None:
    url = reverse("organiser_task_create", args=[contest.slug])
    response = organiser_client.post(url, _task_data(confirm_personal_data="on"))
    assert response.status_code == 302
    task = contest.sample_tasks.get()
    assert task.personal_data_confirmed_by == organiser
    assert task.personal_data_confirmed_at is not None
    record = "confirmed as fictional or public by 運営 花子 on"
    dashboard = organiser_client.get(reverse("organiser_contest", args=[contest.slug]))
    assert record in dashboard.content.decode()
    edit_url = reverse("organiser_task_edit", args=[contest.slug, task.pk])
    assert record in organiser_client.get(edit_url).content.decode()


@pytest.mark.django_db
def test_editing_a_confirmed_task_without_touching_its_texts_asks_nothing(
    organiser_client: Client, contest: Contest, organiser: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    url = reverse("organiser_task_edit", args=[contest.slug, task.pk])
    response = organiser_client.post(
        url, _task_data(input=task.input, variables="", checks="is_json")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.checks == [{"type": "is_json"}]
    assert task.personal_data_confirmed_by == organiser


@pytest.mark.django_db
def test_editing_in_new_personal_data_asks_again(
    organiser_client: Client, contest: Contest, organiser: User
) -> None:
    task = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    url = reverse("organiser_task_edit", args=[contest.slug, task.pk])
    response = organiser_client.post(
        url, _task_data(variables="contact: hanako@example.jp", checks="")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "e-mail address in the variable “contact”, line 1" in page
    assert 'type="checkbox"' in _confirm_box(page)
    task.refresh_from_db()
    assert task.variables == {}


@pytest.mark.django_db
def test_form_refusal_is_in_japanese_for_a_japanese_reader(
    organiser_client: Client, contest: Contest
) -> None:
    organiser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    url = reverse("organiser_task_create", args=[contest.slug])
    page = organiser_client.post(url, _task_data()).content.decode()
    assert f"「入力文」の1行目に電話番号: {MASKED_PHONE}" in page
    assert "サンプル課題はAIモデルに送信され" in page


# --- CSV import ---------------------------------------------------------------------------

CSV_WITH_PERSONAL_DATA = (
    "title,input,contact\r\n"
    "通知の要約,令和7年度の住民税の納付期限は6月30日です。,\r\n"
    f"問い合わせ対応,{PHONE_INPUT},taro@example.jp\r\n"
    "転居の届出,住所は千代田1-1-1です。,\r\n"
)


@pytest.mark.django_db
def test_csv_with_personal_data_is_refused_naming_row_and_column(contest: Contest) -> None:
    with pytest.raises(ValidationError) as refused:
        tasks_import_csv(contest=contest, data=CSV_WITH_PERSONAL_DATA.encode())
    messages = refused.value.messages
    assert "tick the box below" in messages[0]
    assert messages[1:] == [
        f"phone number in row 3, column “input”, line 1: {MASKED_PHONE}",
        "e-mail address in row 3, column “contact”, line 1: ••••@•••••••.jp",
        "address in row 4, column “input”, line 1: ••••-•-1",
    ]
    assert not contest.sample_tasks.exists()


@pytest.mark.django_db
def test_confirmed_csv_records_the_confirmation_on_the_rows_that_need_it(
    contest: Contest, organiser: User
) -> None:
    tasks_import_csv(
        contest=contest,
        data=CSV_WITH_PERSONAL_DATA.encode(),
        confirmation=DataConfirmation(by=organiser),
    )
    plain, call, move = contest.sample_tasks.all()
    assert plain.personal_data_confirmed_by is None
    assert plain.personal_data_confirmed_at is None
    for task in (call, move):
        assert task.personal_data_confirmed_by == organiser
        assert task.personal_data_confirmed_at is not None
    assert call.variables == {"contact": "taro@example.jp"}


@pytest.mark.django_db
def test_csv_page_has_the_box_and_records_the_organiser(
    organiser_client: Client, contest: Contest, organiser: User
) -> None:
    url = reverse("organiser_task_import", args=[contest.slug])
    page = organiser_client.get(url).content.decode()
    assert 'type="checkbox"' in _confirm_box(page)

    def upload() -> SimpleUploadedFile:
        data = CSV_WITH_PERSONAL_DATA.encode("cp932")
        return SimpleUploadedFile("tasks.csv", data, content_type="text/csv")

    refused = organiser_client.post(url, {"file": upload()})
    assert "phone number in row 3, column “input”, line 1" in refused.content.decode()
    assert not contest.sample_tasks.exists()
    response = organiser_client.post(url, {"file": upload(), "confirm_personal_data": "on"})
    assert response.status_code == 302
    assert contest.sample_tasks.filter(personal_data_confirmed_by=organiser).count() == 2


# --- Bundle -------------------------------------------------------------------------------


def _bundle_with_personal_data(*, confirmed: object = None) -> dict[str, Any]:
    bundle = copy.deepcopy(GOOD)
    task = bundle["sample_tasks"][1]
    task["input"] = PHONE_INPUT
    task["variables"] = {"contact": "taro . yamada @ city . example . jp"}
    if confirmed is not None:
        task["personal_data_confirmed"] = confirmed
    return bundle


@pytest.mark.django_db
def test_bundle_with_personal_data_is_refused_with_paths_and_masked_findings() -> None:
    with pytest.raises(BundleError) as refused:
        bundle_import(data=_bundle_with_personal_data())
    messages = refused.value.messages
    assert messages[0].startswith("sample_tasks[1]: holds what looks like personal data")
    assert '"personal_data_confirmed": true' in messages[0]
    assert messages[1:] == [
        f"phone number in sample_tasks[1].input, line 1: {MASKED_PHONE}",
        "e-mail address in sample_tasks[1].variables.contact, line 1: "
        "•••• . •••••• @ •••• . ••••••• . jp",
    ]
    assert not Contest.objects.exists()


@pytest.mark.django_db
def test_bundle_confirmation_must_be_true_or_false() -> None:
    with pytest.raises(BundleError) as refused:
        bundle_import(data=_bundle_with_personal_data(confirmed="yes"))
    assert "sample_tasks[1].personal_data_confirmed: must be true or false." in (
        refused.value.messages
    )


@pytest.mark.django_db
def test_confirmed_bundle_task_records_the_importer(organiser: User) -> None:
    bundle_import(data=_bundle_with_personal_data(confirmed=True), created_by=organiser)
    first, second, third = SampleTask.objects.order_by("position")
    assert second.input == PHONE_INPUT
    assert second.personal_data_confirmed_by == organiser
    assert second.personal_data_confirmed_at is not None
    for task in (first, third):
        assert task.personal_data_confirmed_at is None


@pytest.mark.django_db
def test_confirmation_on_a_task_without_personal_data_records_nothing() -> None:
    bundle = copy.deepcopy(GOOD)
    bundle["sample_tasks"][0]["personal_data_confirmed"] = True
    bundle_import(data=bundle)
    assert not SampleTask.objects.filter(personal_data_confirmed_at__isnull=False).exists()


def _write(tmp_path: Path, bundle: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_command_records_the_person_named_with_as(tmp_path: Path, organiser: User) -> None:
    path = _write(tmp_path, _bundle_with_personal_data(confirmed=True))
    call_command(
        "import_contest", str(path), "--as", "ORGANISER@city.example.jp", stdout=StringIO()
    )
    task = SampleTask.objects.get(position=1)
    assert task.personal_data_confirmed_by == organiser
    assert task.contest.created_by == organiser


@pytest.mark.django_db
def test_command_without_as_records_the_time_and_no_one(tmp_path: Path) -> None:
    path = _write(tmp_path, _bundle_with_personal_data(confirmed=True))
    call_command("import_contest", str(path), stdout=StringIO())
    task = SampleTask.objects.get(position=1)
    assert task.personal_data_confirmed_by is None
    assert task.personal_data_confirmed_at is not None


@pytest.mark.django_db
def test_command_refuses_an_unknown_importer(tmp_path: Path) -> None:
    path = _write(tmp_path, _bundle_with_personal_data(confirmed=True))
    with pytest.raises(CommandError) as refused:
        call_command("import_contest", str(path), "--as", "nobody@city.example.jp")
    assert "No user has the e-mail address nobody@city.example.jp" in str(refused.value)
    assert not Contest.objects.exists()


# --- Admin --------------------------------------------------------------------------------


def _admin_form(task: SampleTask, **changes: Any) -> SampleTaskAdminForm:
    form_class = modelform_factory(SampleTask, form=SampleTaskAdminForm, fields=TASK_FIELDS)
    data = {
        "title": task.title,
        "input": task.input,
        "variables": json.dumps(task.variables),
        "visible_to_entrants": "on" if task.visible_to_entrants else "",
        "checks": json.dumps(task.checks),
        "position": str(task.position),
        **changes,
    }
    form = form_class(data, instance=task)
    assert isinstance(form, SampleTaskAdminForm)
    return form


@pytest.mark.django_db
def test_admin_refuses_new_personal_data_and_lets_a_confirmed_task_be(
    contest: Contest, organiser: User
) -> None:
    plain = factories.make_task(contest, input="本文")
    form = _admin_form(plain, input=PHONE_INPUT)
    assert not form.is_valid()
    assert f"phone number in “Input”, line 1: {MASKED_PHONE}" in form.errors["input"]
    confirmed = _new_task(contest, confirmation=DataConfirmation(by=organiser))
    assert _admin_form(confirmed, position="5").is_valid()
