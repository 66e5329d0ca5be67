"""Register imports a user may see: managers and administrators (``patients.import_encounters``)."""

from huifang.accounts.models import User
from huifang.core.errors import NotFound, PermissionDenied
from huifang.followups.models import RegisterImport

IMPORT_PERMISSION = "patients.import_encounters"


def _require(user: User) -> None:
    if not user.is_authenticated or not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("您的角色无权导入回访登记本")


def register_import_list(*, user: User, limit: int = 50) -> list[RegisterImport]:
    """The latest register imports, newest first (one query)."""
    _require(user)
    return list(RegisterImport.objects.select_related("created_by")[:limit])


def register_import_get(*, user: User, run_uuid) -> RegisterImport:
    _require(user)
    run = RegisterImport.objects.select_related("created_by").filter(uuid=run_uuid).first()
    if run is None:
        raise NotFound("找不到该登记本导入记录")
    return run
