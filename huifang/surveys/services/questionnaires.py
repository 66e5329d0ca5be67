"""Questionnaires and their questions: creating, versioning, editing, publishing.

Only a draft is edited. An edit asked of an active (or retired) version is
made on the code's draft, created on first need as a copy with the next
version number; publishing the draft retires the version that was active.
Responses point at the version answered, so they never change.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_diff, audit_record
from huifang.surveys import answers as answer_rules
from huifang.surveys.models import Dimension, Item, ItemKind, Questionnaire

ITEM_FIELDS = (
    "code",
    "kind",
    "text",
    "help_text",
    "required",
    "options",
    "dimension",
    "condition",
    "feedback_values",
    "red_flag_values",
    "agent_only",
)


def _require(user: User | None, perm: str, message: str) -> None:
    # ``None`` is the system itself (data migrations, imports, the patient's link).
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_manage(user: User | None) -> None:
    _require(user, "surveys.change_questionnaire", _("Your role may not change questionnaires"))


# --- Questionnaires and their versions -----------------------------------------------


def questionnaire_create(
    *, actor: User | None, code: str, title: str, description: str = ""
) -> Questionnaire:
    """Start a new questionnaire as draft version 1; its code must be new."""
    _require(actor, "surveys.add_questionnaire", _("Your role may not create questionnaires"))
    if Questionnaire.objects.filter(code=code).exists():
        raise Conflict(
            _("A questionnaire with the code %(code)s exists already") % {"code": code},
            code="questionnaire_code_taken",
            details={"code": [_("This code is taken.")]},
        )
    questionnaire = Questionnaire(
        code=code,
        title=title,
        description=description,
        version=1,
        status=Questionnaire.Status.DRAFT,
        created_by=actor if actor is not None else None,
    )
    _full_clean(questionnaire)
    with transaction.atomic():
        questionnaire.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=questionnaire,
            changes={"code": code, "title": title, "version": 1},
        )
    return questionnaire


def _full_clean(obj, exclude=None) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError(
            _("Please correct the marked fields."),
            code="invalid_input",
            details={key: [str(m) for m in msgs] for key, msgs in exc.message_dict.items()},
        ) from exc


def questionnaire_draft(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """The draft to edit in place of ``questionnaire``.

    A draft is its own draft. For an active or retired version, the code's
    existing draft, or a new one copied from ``questionnaire`` with the next
    version number (audited).
    """
    _require_manage(actor)
    if questionnaire.status == Questionnaire.Status.DRAFT:
        return questionnaire
    with transaction.atomic():
        existing = Questionnaire.objects.filter(
            code=questionnaire.code, status=Questionnaire.Status.DRAFT
        ).first()
        if existing is not None:
            return existing
        latest = Questionnaire.objects.filter(code=questionnaire.code).aggregate(v=Max("version"))
        try:
            with transaction.atomic():
                draft = Questionnaire.objects.create(
                    code=questionnaire.code,
                    version=(latest["v"] or 0) + 1,
                    title=questionnaire.title,
                    description=questionnaire.description,
                    status=Questionnaire.Status.DRAFT,
                    is_builtin=questionnaire.is_builtin,
                    created_by=actor,
                )
        except IntegrityError:
            # Another manager started the draft a moment ago: edit that one.
            return Questionnaire.objects.get(
                code=questionnaire.code, status=Questionnaire.Status.DRAFT
            )
        Item.objects.bulk_create(
            [
                Item(
                    questionnaire=draft,
                    position=item.position,
                    **{name: getattr(item, name) for name in ITEM_FIELDS},
                )
                for item in questionnaire.items.all()
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=draft,
            changes={
                "code": draft.code,
                "version": draft.version,
                "from_version": questionnaire.version,
            },
        )
    return draft


def questionnaire_update(
    *, actor: User | None, questionnaire: Questionnaire, title: str, description: str = ""
) -> Questionnaire:
    """Change the title and description (on the draft; see ``questionnaire_draft``)."""
    draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
    before = {"title": draft.title, "description": draft.description}
    draft.title, draft.description = title, description
    _full_clean(draft)
    changes = audit_diff(before, {"title": title, "description": description})
    if changes:
        with transaction.atomic():
            draft.save(update_fields=["title", "description", "updated_at"])
            audit_record(actor=actor, action=AuditAction.UPDATE, target=draft, changes=changes)
    return draft


def questionnaire_publish(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """Make a draft the active version; the version active until now is retired."""
    _require_manage(actor)
    if questionnaire.status != Questionnaire.Status.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_a_draft")
    if not questionnaire.items.exists():
        raise ApplicationError(
            _("Add at least one question before publishing."), code="questionnaire_empty"
        )
    with transaction.atomic():
        previous = list(
            Questionnaire.objects.select_for_update().filter(
                code=questionnaire.code, status=Questionnaire.Status.ACTIVE
            )
        )
        for old in previous:
            old.status = Questionnaire.Status.RETIRED
            old.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=old,
                changes={"status": ["active", "retired"]},
            )
        questionnaire.status = Questionnaire.Status.ACTIVE
        questionnaire.activated_at = timezone.now()
        questionnaire.save(update_fields=["status", "activated_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=questionnaire,
            changes={"status": ["draft", "active"]},
        )
    return questionnaire


def questionnaire_retire(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """Stop using an active version: no new dispatch or response may use it."""
    _require_manage(actor)
    if questionnaire.status != Questionnaire.Status.ACTIVE:
        raise Conflict(_("Only the active version can be retired."), code="not_active")
    with transaction.atomic():
        questionnaire.status = Questionnaire.Status.RETIRED
        questionnaire.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=questionnaire,
            changes={"status": ["active", "retired"]},
        )
    return questionnaire


# --- Items -----------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        _("Please correct the marked fields."), code="invalid_item", details={field: [message]}
    )


def _validate_item_data(draft: Questionnaire, data: dict[str, Any], item: Item | None) -> dict:
    data = {name: data[name] for name in ITEM_FIELDS if name in data}
    data.setdefault("options", [])
    data.setdefault("condition", {})
    data.setdefault("feedback_values", [])
    data.setdefault("red_flag_values", [])
    kind = data.get("kind")
    if kind not in ItemKind.values:
        raise _invalid("kind", _("Choose a question kind."))
    if data.get("dimension") and data["dimension"] not in Dimension.values:
        raise _invalid("dimension", _("Choose a dimension from the list."))
    others = [i for i in draft.items.order_by("position", "id") if item is None or i.pk != item.pk]
    if any(i.code == data.get("code") for i in others):
        raise _invalid("code", _("Another question of this questionnaire has this code."))
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
        options = data["options"]
        values = [str(o.get("value", "")).strip() for o in options if isinstance(o, dict)]
        if len(values) < 2 or any(not v for v in values) or len(set(values)) != len(values):
            raise _invalid("options", _("Give at least two options, each with its own value."))
        data["options"] = [
            {"value": str(o["value"]).strip(), "label": str(o.get("label") or o["value"]).strip()}
            for o in options
        ]
    else:
        data["options"] = []
    # Conditions may refer only to questions asked before this one.
    if item is None:
        earlier = others
    else:
        earlier = [i for i in others if (i.position, i.pk) < (item.position, item.pk)]
    by_code = {i.code: i for i in earlier}
    condition = data["condition"] or {}
    rules = condition.get("rules") or []
    if rules:
        if condition.get("combine", "all") not in answer_rules.COMBINE:
            raise _invalid("condition", _("Combine the rules with AND or OR."))
        clean_rules = []
        for rule in rules:
            target = by_code.get(rule.get("item"))
            if target is None:
                raise _invalid("condition", _("A condition may only use an earlier question."))
            if rule.get("op") not in answer_rules.OPERATORS:
                raise _invalid("condition", _("Unknown comparison in a condition."))
            value = rule.get("value")
            if rule["op"] == "exists":
                value = value not in (False, "false", "0", 0, "no", "")
            else:
                try:
                    coerced = answer_rules.coerce(target, value)
                except answer_rules.AnswerError as exc:
                    raise _invalid("condition", str(exc)) from exc
                if coerced is None:
                    raise _invalid("condition", _("A condition needs a value to compare with."))
                value = coerced[0] if isinstance(coerced, list) else coerced
            clean_rules.append({"item": target.code, "op": rule["op"], "value": value})
        data["condition"] = {"combine": condition.get("combine", "all"), "rules": clean_rules}
    else:
        data["condition"] = {}
    for flag in ("feedback_values", "red_flag_values"):
        clean = []
        for value in data[flag]:
            if value == "*":
                clean.append("*")
                continue
            probe = Item(kind=kind, options=data["options"])
            try:
                coerced = answer_rules.coerce(probe, value)
            except answer_rules.AnswerError as exc:
                raise _invalid(flag, str(exc)) from exc
            if coerced is not None:
                clean.append(coerced[0] if isinstance(coerced, list) else coerced)
        data[flag] = clean
    return data


def _draft_item(draft: Questionnaire, item: Item | None) -> Item | None:
    """The draft's copy of ``item`` (same code) when the item belongs to another version."""
    if item is None or item.questionnaire_id == draft.pk:
        return item
    copy = draft.items.filter(code=item.code).first()
    if copy is None:
        raise NotFound(_("Question not found"), code="item_not_found")
    return copy


def item_save(
    *,
    actor: User | None,
    questionnaire: Questionnaire,
    data: dict[str, Any],
    item: Item | None = None,
) -> Item:
    """Add a question (``item=None``, at the end) or change one; returns the draft's item.

    ``data`` holds ``ITEM_FIELDS``. Editing an active version edits its
    draft (a new version). Raises ``ApplicationError`` with per-field
    details when the question is not valid (options, codes, conditions
    that refer to a later question, flag values that cannot be answered).
    """
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        clean = _validate_item_data(draft, data, item)
        if item is None:
            last = draft.items.aggregate(p=Max("position"))["p"]
            item = Item(questionnaire=draft, position=(last or 0) + 1 if last is not None else 0)
            before = {}
        else:
            before = {name: getattr(item, name) for name in ITEM_FIELDS}
        if item.pk is not None and before.get("code") != clean.get("code"):
            _refuse_if_referenced(draft, item, _("Later questions' conditions use this code."))
        for name, value in clean.items():
            setattr(item, name, value)
        _full_clean(item, exclude=["questionnaire"])
        item.save()
        changes = audit_diff(before, {name: getattr(item, name) for name in ITEM_FIELDS})
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if not before else AuditAction.UPDATE,
            target=draft,
            field=f"item:{item.code}",
            changes=changes,
        )
    return item


def _refuse_if_referenced(draft: Questionnaire, item: Item, message: str) -> None:
    for other in draft.items.exclude(pk=item.pk):
        rules = (other.condition or {}).get("rules") or []
        if any(rule.get("item") == item.code for rule in rules):
            raise Conflict(message, code="item_referenced", details={"used_by": other.code})


def item_delete(*, actor: User | None, questionnaire: Questionnaire, item: Item) -> Questionnaire:
    """Remove a question from the draft; refused while a later condition uses it."""
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        _refuse_if_referenced(
            draft, item, _("Another question's condition uses this question; change it first.")
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=draft,
            field=f"item:{item.code}",
            changes={name: getattr(item, name) for name in ITEM_FIELDS},
        )
        item.delete()
    return draft


def item_move(
    *, actor: User | None, questionnaire: Questionnaire, item: Item, direction: str
) -> Item:
    """Move a question one place ``"up"`` or ``"down"`` in the draft.

    Refused when a condition would then refer to a question asked later.
    """
    if direction not in ("up", "down"):
        raise ApplicationError(_("Move a question up or down."), code="invalid_direction")
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        items = list(draft.items.order_by("position", "id"))
        index = next(i for i, it in enumerate(items) if it.pk == item.pk)
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(items):
            return item
        first, second = sorted((items[index], items[other_index]), key=items.index)
        rules = (second.condition or {}).get("rules") or []
        if any(rule.get("item") == first.code for rule in rules):
            raise Conflict(
                _("“%(later)s” is shown depending on “%(earlier)s”, so it must stay after it.")
                % {"later": second.text, "earlier": first.text},
                code="condition_order",
            )
        items[index], items[other_index] = items[other_index], items[index]
        for position, it in enumerate(items):
            if it.position != position:
                it.position = position
                it.save(update_fields=["position"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=draft,
            field=f"item:{item.code}",
            changes={"moved": direction},
        )
    return item
