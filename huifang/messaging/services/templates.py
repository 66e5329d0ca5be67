"""Message templates: checked when saved (placeholders, diagnosis fields, opt-out text)."""

from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_diff, audit_record
from huifang.messaging import rendering
from huifang.messaging.models import MessageChannel, MessageTemplate

FIELDS = ("name", "channel", "category", "subject", "body", "provider_template_code", "is_active")


def _snapshot(template: MessageTemplate) -> dict:
    return {name: getattr(template, name) for name in FIELDS}


@transaction.atomic
def template_save(
    *, actor: User | None, code: str, template: MessageTemplate | None = None, **fields
) -> MessageTemplate:
    """Create (``template`` None) or change a template after checking its text.

    Placeholders must be known; clinical reminders and survey invitations
    may not name the diagnosis; greeting and marketing texts get the opt-out
    instruction at their end when it is missing. Audited with what changed.
    """
    perm = (
        "messaging.add_messagetemplate" if template is None else "messaging.change_messagetemplate"
    )
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("Your role may not change message templates."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ApplicationError(f"unknown fields {sorted(unknown)}", code="invalid_fields")
    before = _snapshot(template) if template is not None else {}
    template = template or MessageTemplate(code=code)
    for name, value in fields.items():
        setattr(template, name, value)
    template.body = rendering.body_check(body=template.body, category=template.category)
    if template.channel == MessageChannel.EMAIL and not template.subject.strip():
        raise ApplicationError(_("An e-mail needs a subject."), code="template_no_subject")
    rendering.body_check(body=template.subject or "-", category=template.category)
    template.full_clean()
    template.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        target=template,
        changes=audit_diff(before, _snapshot(template)),
    )
    return template
