"""Sign-ins and sign-outs go to the audit log."""

from huifang.core.services import audit_record


def on_logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="login", target=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="logout", target=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None, action="login_failed", target_repr=username, changes={"username": username}
    )
