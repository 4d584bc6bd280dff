"""The profile step: a display name and a department before anything else.

Judges never score entries from their own department and the gallery credits winners by
name or department, so both must be known before a person enters, judges or organises.
An organisation that has defined no departments is not asked for one.
"""

from django.http import HttpRequest

from accounts.models import Department, User
from accounts.open_pages import is_always_open

PROFILE_FIELDS = ("display_name", "department")


def departments_defined() -> bool:
    return Department.objects.exists()


def missing_profile_fields(user: User) -> list[str]:
    """The names of PROFILE_FIELDS this user has yet to fill; a query only when the
    department is missing (whether the organisation has any)."""
    missing = []
    if not user.display_name.strip():
        missing.append("display_name")
    if user.department_id is None and departments_defined():
        missing.append("department")
    return missing


def needs_profile(request: HttpRequest) -> bool:
    """True when the signed-in user must complete their profile before this page."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or is_always_open(request):
        return False
    return bool(missing_profile_fields(user))
