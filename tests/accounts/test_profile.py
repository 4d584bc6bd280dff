"""The profile page: display name, department and preferred language."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Department, User
from tests import factories
from tests.accounts.helpers import Response


def _save(client: Client, **fields: object) -> Response:
    return client.post(reverse("profile"), fields)


def test_profile_needs_sign_in(client: Client, db: None) -> None:
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_shows_the_current_values(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = client.get(reverse("profile"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="職員 太郎"' in page
    assert 'autocomplete="name"' in page
    assert staff.email in page


def test_saving_updates_name_department_and_language(
    client: Client, staff: User, department_b: Department
) -> None:
    client.force_login(staff)

    response = _save(
        client, display_name="市役所 太郎", department=department_b.pk, preferred_language="en"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    staff.refresh_from_db()
    assert staff.display_name == "市役所 太郎"
    assert staff.department == department_b
    assert staff.preferred_language == "en"


def test_saving_sets_the_language_cookie_so_the_next_page_is_in_that_language(
    client: Client, staff: User, department_a: Department
) -> None:
    client.force_login(staff)

    response = _save(
        client, display_name="Taro", department=department_a.pk, preferred_language="en"
    )

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    page = client.get(reverse("profile"))
    assert '<html lang="en">' in page.content.decode()
    assert "Your profile was saved." in page.content.decode()


def test_unknown_language_is_refused(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = _save(client, display_name="Taro", preferred_language="xx")

    assert response.status_code == 200
    assert response.context["form"].errors["preferred_language"]
    staff.refresh_from_db()
    assert staff.preferred_language == "ja"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_name_and_department_cannot_be_emptied(
    client: Client, staff: User, department_a: Department
) -> None:
    client.force_login(staff)

    response = _save(client, display_name=" ", department="", preferred_language="ja")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["display_name"] == ["他の職員に表示する名前を入力してください。"]
    assert errors["department"] == ["所属している部署を選んでください。"]
    staff.refresh_from_db()
    assert staff.display_name == "職員 太郎"
    assert staff.department == department_a


def test_department_may_stay_empty_when_the_organisation_defines_none(
    client: Client, db: None
) -> None:
    user = factories.make_newcomer("newcomer@city.example.jp")
    Department.objects.all().delete()
    client.force_login(user)

    response = _save(client, display_name="新人 花子", department="", preferred_language="ja")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.department) == ("新人 花子", None)
