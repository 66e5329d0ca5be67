"""Reads of questionnaires, dispatches, responses and scores, scoped by the acting user.

Responses and dispatches are patient data: a user sees those of the
patients in their scope (``patients.selectors.patient_scope``), so a
department head's scores are their department's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import NotFound, PermissionDenied
from huifang.patients.selectors import patient_scope
from huifang.surveys import scoring
from huifang.surveys.models import Answer, Dispatch, Item, Questionnaire, Response


def _require(user: User, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_view(user: User) -> None:
    _require(user, "surveys.view_questionnaire", _("Your role may not see questionnaires"))


def questionnaire_active(code: str) -> Questionnaire | None:
    """The active version of the questionnaire ``code`` with its items, or ``None``.

    Not scoped: questionnaires hold no patient data. For the workbench and
    the touchpoints that name a questionnaire by code.
    """
    return (
        Questionnaire.objects.filter(code=code, status=Questionnaire.Status.ACTIVE)
        .prefetch_related(Prefetch("items", queryset=Item.objects.order_by("position", "id")))
        .first()
    )


def questionnaires_active() -> list[Questionnaire]:
    """Every questionnaire's active version, by title (not scoped: no patient data)."""
    return list(
        Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE).order_by("title", "code")
    )


def questionnaire_list(*, user: User) -> list[Questionnaire]:
    """One row per code: the newest version, with the active version number,
    whether a draft exists, the number of questions and of responses over all versions."""
    _require_view(user)
    latest_ids = (
        Questionnaire.objects.values("code")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    rows = list(
        Questionnaire.objects.filter(id__in=list(latest_ids))
        .annotate(item_count=Count("items"))
        .order_by("code")
    )
    active = dict(
        Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE).values_list(
            "code", "version"
        )
    )
    responses = dict(
        Response.objects.filter(voided_at__isnull=True)
        .values_list("questionnaire__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        row.active_version = active.get(row.code)
        row.response_count = responses.get(row.code, 0)
    return rows


def questionnaire_get(*, user: User, pk: int) -> Questionnaire:
    """One version with its questions in order, or ``NotFound``."""
    _require_view(user)
    questionnaire = (
        Questionnaire.objects.filter(pk=pk)
        .prefetch_related(Prefetch("items", queryset=Item.objects.order_by("position", "id")))
        .first()
    )
    if questionnaire is None:
        raise NotFound(_("Questionnaire not found"), code="questionnaire_not_found")
    return questionnaire


def questionnaire_versions(*, user: User, code: str) -> list[Questionnaire]:
    """Every version of ``code``, newest first, with its response count."""
    _require_view(user)
    return list(
        Questionnaire.objects.filter(code=code)
        .annotate(response_count=Count("responses"))
        .order_by("-version")
    )


def questionnaire_for_code(*, user: User, code: str) -> Questionnaire:
    """The active version of ``code``, else its newest version; ``NotFound`` if none."""
    _require_view(user)
    questionnaire = questionnaire_active(code) or (
        Questionnaire.objects.filter(code=code).order_by("-version").first()
    )
    if questionnaire is None:
        raise NotFound(_("Questionnaire not found"), code="questionnaire_not_found")
    return questionnaire


def dispatch_for_token(token: str) -> Dispatch | None:
    """The dispatch a patient's link token opens, or ``None``."""
    from huifang.surveys.services import link_token_hash

    if not token or len(token) > 64:
        return None
    return (
        Dispatch.objects.select_related("questionnaire", "patient")
        .filter(token_hash=link_token_hash(token))
        .first()
    )


def dispatch_list(*, user: User, questionnaire_code: str = "") -> QuerySet[Dispatch]:
    """Dispatches of the patients in the user's scope, newest first."""
    _require(user, "surveys.view_dispatch", _("Your role may not see questionnaire dispatches"))
    qs = Dispatch.objects.filter(patient__in=patient_scope(user)).select_related(
        "questionnaire", "patient"
    )
    if questionnaire_code:
        qs = qs.filter(questionnaire__code=questionnaire_code)
    return qs.order_by("-sent_at", "-id")


def dispatch_get(*, user: User, dispatch_uuid) -> Dispatch:
    dispatch = dispatch_list(user=user).filter(uuid=dispatch_uuid).first()
    if dispatch is None:
        raise NotFound(_("Dispatch not found"), code="dispatch_not_found")
    return dispatch


def _response_scope(user: User) -> QuerySet[Response]:
    _require(user, "surveys.view_response", _("Your role may not see questionnaire answers"))
    return Response.objects.filter(patient__in=patient_scope(user))


def response_list(
    *, user: User, questionnaire_code: str = "", include_void: bool = True
) -> QuerySet[Response]:
    """Responses of the patients in the user's scope, newest first."""
    qs = _response_scope(user).select_related(
        "questionnaire", "patient", "recorded_by", "voided_by"
    )
    if questionnaire_code:
        qs = qs.filter(questionnaire__code=questionnaire_code)
    if not include_void:
        qs = qs.filter(voided_at__isnull=True)
    return qs.order_by("-submitted_at", "-id")


def response_get(*, user: User, response_uuid) -> Response:
    """One response with its answers and their questions, or ``NotFound``."""
    response = (
        _response_scope(user)
        .select_related("questionnaire", "patient", "recorded_by", "voided_by", "dispatch")
        .prefetch_related(
            Prefetch(
                "answers", queryset=Answer.objects.select_related("item").order_by("item__position")
            )
        )
        .filter(uuid=response_uuid)
        .first()
    )
    if response is None:
        raise NotFound(_("Response not found"), code="response_not_found")
    return response


@dataclass
class Scores:
    """What the responses to one questionnaire (all its versions) come to."""

    code: str
    responses: int
    voided: int
    dispatched: int
    completed: int
    response_rate: float | None
    by_status: dict[str, int]
    dimensions: list[scoring.DimensionScore] = field(default_factory=list)
    items: list[scoring.ItemScore] = field(default_factory=list)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def questionnaire_scores(
    *, user: User, code: str, since: date | None = None, until: date | None = None
) -> Scores:
    """Scores of ``code`` over the responses in the user's scope, voided ones left out.

    ``since``/``until`` are days (inclusive) of submission and of dispatch.
    Items are matched across versions by code; the newest version's wording
    is shown.
    """
    _require(user, "surveys.view_scores", _("Your role may not see questionnaire scores"))
    responses = _response_scope(user).filter(questionnaire__code=code)
    dispatches = Dispatch.objects.filter(patient__in=patient_scope(user), questionnaire__code=code)
    if since:
        responses = responses.filter(submitted_at__gte=_day_start(since))
        dispatches = dispatches.filter(sent_at__gte=_day_start(since))
    if until:
        end = _day_start(until) + timezone.timedelta(days=1)
        responses = responses.filter(submitted_at__lt=end)
        dispatches = dispatches.filter(sent_at__lt=end)
    counts = responses.aggregate(
        all=Count("id"), void=Count("id", filter=Q(voided_at__isnull=False))
    )
    by_status = dict(dispatches.values_list("status").annotate(n=Count("id")).order_by())
    dispatched = sum(by_status.values())
    completed = by_status.get(Dispatch.Status.COMPLETED, 0)
    rows = (
        Answer.objects.filter(
            response__in=responses.filter(voided_at__isnull=True), number__isnull=False
        )
        .values_list("item__code", "item__kind", "item__dimension", "number")
        .order_by()
    )
    values: dict[str, list[float]] = {}
    meta: dict[str, tuple[str, str]] = {}
    flat = []
    for item_code, kind, dimension, number in rows:
        if kind not in scoring.SCALE_RANGE:
            continue
        values.setdefault(item_code, []).append(number)
        meta[item_code] = (kind, dimension)
        flat.append((dimension, item_code, kind, number))
    newest = Questionnaire.objects.filter(code=code).order_by("-version").first()
    texts, order = {}, {}
    if newest is not None:
        for position, (item_code, text) in enumerate(
            newest.items.order_by("position", "id").values_list("code", "text")
        ):
            texts[item_code], order[item_code] = text, position
    items = [
        scoring.item_score(
            code=item_code,
            text=texts.get(item_code, item_code),
            kind=meta[item_code][0],
            dimension=meta[item_code][1],
            values=item_values,
        )
        for item_code, item_values in sorted(values.items(), key=lambda kv: order.get(kv[0], 999))
    ]
    return Scores(
        code=code,
        responses=counts["all"] - counts["void"],
        voided=counts["void"],
        dispatched=dispatched,
        completed=completed,
        response_rate=scoring.response_rate(completed=completed, dispatched=dispatched),
        by_status=by_status,
        dimensions=scoring.dimension_scores(flat),
        items=items,
    )


def response_timeline_for_patient(*, user: User, patient, limit: int) -> list:
    """The patient's questionnaire answers for the patient page's timeline (one query)."""
    from django.urls import reverse

    from huifang.patients.timeline import TimelineEntry

    if not user.has_perm("surveys.view_response"):
        return []
    responses = (
        _response_scope(user)
        .filter(patient_id=patient.pk)
        .select_related("questionnaire", "recorded_by")
        .order_by("-submitted_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=response.submitted_at,
            kind="response",
            title=response.questionnaire.title,
            status=str(_("Voided")) if response.is_void else response.get_channel_display(),
            tone="secondary" if response.is_void else "info",
            who=(response.recorded_by.display_name or response.recorded_by.username)
            if response.recorded_by
            else "",
            url=reverse("surveys:response_detail", args=[response.uuid]),
        )
        for response in responses
    ]
