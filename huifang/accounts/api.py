from ninja import Router, Schema

from huifang.accounts.selectors import user_department_scope, user_role_names

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    department_codes: list[str]
    all_departments: bool


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request):
    user = request.user
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        roles=user_role_names(user),
        department_codes=list(user.departments.values_list("code", flat=True)),
        all_departments=user_department_scope(user) is None,
    )
