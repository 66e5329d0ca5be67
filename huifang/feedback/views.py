"""Pages of the loop: lists, the head's inbox, the manager's board, the quality overview,
the case page with its allowed steps, notifications and the monthly department notice."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import department_list
from huifang.core.errors import ApplicationError
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.feedback import excel, forms, selectors, services, workflow
from huifang.feedback.models import Case

PAGE_SIZE = 50


def _filters_from(request) -> selectors.CaseFilters:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "open")
    try:
        department_id = int(request.GET.get("department") or 0) or None
    except ValueError:
        department_id = None
    return selectors.CaseFilters(
        kind=kind if kind in Case.Kind.values else "",
        status=status if status in ("open", "all", *Case.Status.values) else "open",
        department_id=department_id,
        overdue=request.GET.get("overdue") == "1",
    )


def _month_from(request) -> date:
    raw = request.GET.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        today = timezone.localdate()
        return today.replace(day=1)


def _context(request, active: str, **extra) -> dict:
    return {"nav_active": "feedback", "tab": active, **extra}


def feedback_home(request):
    """The entry of the navigation: the page each role works from."""
    user = request.user
    if user.has_perm("feedback.triage_case"):
        return redirect("feedback:board")
    if user.has_perm("feedback.answer_case"):
        return redirect("feedback:inbox")
    if user.has_perm("feedback.oversee_cases"):
        return redirect("feedback:overview")
    return redirect("feedback:case_list")


def case_list(request):
    filters = _filters_from(request)
    cases = selectors.case_list(user=request.user, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/case_list.html",
        _context(
            request,
            "list",
            page=page,
            filters=filters,
            kinds=Case.Kind.choices,
            statuses=Case.Status.choices,
            departments=department_list(user=request.user),
        ),
    )


def inbox(request):
    return render(
        request,
        "feedback/inbox.html",
        _context(request, "inbox", inbox=selectors.inbox(user=request.user)),
    )


def board(request):
    columns = selectors.board(user=request.user)
    labels = {
        "new": _("New, to triage"),
        "with_departments": _("Waiting on departments"),
        "overdue": _("Overdue"),
        "answered": _("Answered, to review"),
        "verifying": _("Verifying with the patient"),
        "escalated": _("Escalated"),
    }
    return render(
        request,
        "feedback/board.html",
        _context(
            request,
            "board",
            columns=[(key, labels[key], columns[key]) for key in selectors.BOARD_COLUMNS],
            red_flags=selectors.case_red_flags_open(user=request.user, limit=20),
        ),
    )


def overview(request):
    month = _month_from(request)
    return render(
        request,
        "feedback/overview.html",
        _context(
            request,
            "overview",
            month=month,
            data=selectors.overview(user=request.user, month=month),
        ),
    )


def case_new(request):
    if not request.user.has_perm("feedback.add_case"):
        raise PermissionDenied
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = None
        if data["record_number"]:
            from huifang.patients.selectors import patient_scope

            patient = (
                patient_scope(request.user).filter(record_number=data["record_number"]).first()
            )
            if patient is None:
                form.add_error(
                    "record_number",
                    _(
                        "No patient with this record number. Leave it empty for a caller "
                        "who is not a patient on record."
                    ),
                )
        if form.is_valid():
            try:
                case = services.case_create(
                    actor=request.user,
                    kind=data["kind"],
                    source=data["source"],
                    channel=data["channel"],
                    patient=patient,
                    department=data["department"],
                    category=data["category"],
                    severity=data["severity"],
                    staff_named=data["staff_named"],
                    description=data["description"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    caller_relation=data["caller_relation"],
                    reference_12345=data["reference_12345"],
                )
            except ApplicationError as exc:
                field = {"invalid_phone": "caller_phone", "reference_required": "reference_12345"}
                form.add_error(field.get(exc.code), exc.message)
            else:
                return redirect("feedback:case_detail", case.uuid)
    return render(request, "feedback/case_form.html", _context(request, "new", form=form))


def _phone(case: Case) -> str:
    if case.patient is None:
        return ""
    phone = case.patient.phones.filter(owner="self").order_by("-is_primary", "pk").first()
    return phone.number if phone else ""


def case_detail(request, case_uuid, *, forms_with_errors: dict | None = None, status: int = 200):
    case = selectors.case_get(user=request.user, case_uuid=case_uuid)
    actions = {t.action: t for t in workflow.allowed_actions(request.user, case)}
    initial_triage = {
        "lead": case.department_id,
        "others": [d.pk for d in case.departments.all() if d.pk != case.department_id],
        "category": case.category,
        "severity": case.severity,
    }
    action_forms = {
        "triage": forms.TriageForm(initial=initial_triage),
        "answer": forms.AnswerForm(
            initial={"reply": case.reply, "cause": case.cause, "rectification": case.rectification}
        ),
        "verify": forms.VerifyForm(),
        "close": forms.CloseForm(),
        "dispose": forms.DispositionForm(),
        **{name: forms.NoteForm() for name in ("return", "reopen", "escalate", "withdraw")},
    }
    if "merge" in actions:
        action_forms["merge"] = forms.MergeForm(
            candidates=selectors.case_merge_candidates(user=request.user, case=case)
        )
    action_forms.update(forms_with_errors or {})
    may_attach = request.user.has_perm("feedback.add_caseattachment") and (
        workflow.in_own_department(request.user, case)
    )
    return render(
        request,
        "feedback/case_detail.html",
        _context(
            request,
            "case",
            case=case,
            overdue=case.is_overdue(timezone.now()),
            verdicts=Case.Verification.choices,
            phone=_phone(case),
            actions=actions,
            action_forms=action_forms,
            attachment_form=forms.AttachmentForm() if may_attach else None,
        ),
        status=status,
    )


_NOTE_STEPS = {
    "return": services.case_return,
    "reopen": services.case_reopen,
    "escalate": services.case_escalate,
    "withdraw": services.case_withdraw,
}


@require_POST
def case_step(request, case_uuid, action):
    """Take one step of the loop from the case page; errors come back on the page."""
    case = selectors.case_get(user=request.user, case_uuid=case_uuid)
    if action not in workflow.TRANSITIONS:
        raise PermissionDenied
    user = request.user
    if action == "merge":
        form = forms.MergeForm(
            request.POST, candidates=selectors.case_merge_candidates(user=user, case=case)
        )
        return _step(request, case, action, form)
    form_class = {
        "triage": forms.TriageForm,
        "answer": forms.AnswerForm,
        "verify": forms.VerifyForm,
        "close": forms.CloseForm,
        "dispose": forms.DispositionForm,
        "assign": forms.NoteForm,
        "start_verification": forms.NoteForm,
    }.get(action, forms.NoteForm)
    return _step(request, case, action, form_class(request.POST))


def _step(request, case, action, form):
    case_uuid, user = case.uuid, request.user
    if not form.is_valid():
        return case_detail(request, case_uuid, forms_with_errors={action: form}, status=400)
    data = form.cleaned_data
    try:
        if action == "triage":
            services.case_triage(
                actor=user,
                case=case,
                departments=form.departments(),
                category=data["category"],
                severity=data["severity"],
                deadline_on=data["deadline_on"],
                note=data["note"],
                forward=data["forward"],
            )
        elif action == "assign":
            services.case_assign(actor=user, case=case, note=data["note"])
        elif action == "answer":
            services.case_answer(actor=user, case=case, **data)
        elif action == "start_verification":
            services.case_verification_start(actor=user, case=case)
        elif action == "verify":
            services.case_verify(actor=user, case=case, result=data["result"], note=data["note"])
        elif action == "close":
            services.case_close(actor=user, case=case, note=data["note"], result=data["result"])
        elif action == "dispose":
            services.case_dispose(actor=user, case=case, **data)
        elif action == "merge":
            services.case_merge(actor=user, case=case, into=data["into"], note=data["note"])
        else:
            _NOTE_STEPS[action](actor=user, case=case, note=data["note"])
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return case_detail(request, case_uuid, forms_with_errors={action: form}, status=exc.status)
    messages.success(request, _("Saved: %(step)s.") % {"step": workflow.TRANSITIONS[action].label})
    return redirect("feedback:case_detail", case_uuid)


@require_POST
def caller_phone_reveal(request, case_uuid):
    """The caller's full number (htmx fragment); audited."""
    from huifang.core.phones import dial_string, national_format

    case = selectors.case_get(user=request.user, case_uuid=case_uuid)
    try:
        number = services.case_caller_phone_reveal(actor=request.user, case=case)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status)
    return render(
        request,
        "feedback/_caller_phone.html",
        {"display": national_format(number), "dial": dial_string(number)},
    )


@require_POST
def attachment_upload(request, case_uuid):
    case = selectors.case_get(user=request.user, case_uuid=case_uuid)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("feedback:case_detail", case_uuid)
    try:
        services.attachment_add(actor=request.user, case=case, upload=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:case_detail", case_uuid)


def attachment_download(request, case_uuid, attachment_uuid):
    """The file, to those who may see the case only; each opening is audited."""
    attachment = selectors.attachment_get(
        user=request.user, case_uuid=case_uuid, attachment_uuid=attachment_uuid
    )
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=attachment,
        patient_id=attachment.case.patient_id,
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.content_type.startswith("image/"),
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def notifications(request):
    return render(
        request,
        "feedback/notifications.html",
        _context(request, "notifications", items=selectors.notification_list(user=request.user)),
    )


@require_POST
def notifications_read(request):
    ids = [int(pk) for pk in request.POST.getlist("id") if pk.isdigit()] or None
    services.notification_mark_read(user=request.user, notification_ids=ids)
    if request.htmx:
        return HttpResponse("")
    return redirect("feedback:notifications")


def _notice_args(request):
    month = _month_from(request)
    try:
        department_id = int(request.GET.get("department") or 0) or None
    except ValueError:
        department_id = None
    return month, department_id


def notice(request):
    month, department_id = _notice_args(request)
    sections = selectors.notice(user=request.user, month=month, department_id=department_id)
    return render(
        request,
        "feedback/notice.html",
        _context(
            request,
            "notice",
            month=month,
            department_id=department_id,
            sections=sections,
            departments=[d for d in department_list(user=request.user) if d.kind != d.Kind.WARD],
        ),
    )


def notice_xlsx(request):
    """The monthly notice as an Excel workbook; the export is audited."""
    month, department_id = _notice_args(request)
    sections = selectors.notice(user=request.user, month=month, department_id=department_id)
    content = excel.notice_workbook(sections=sections, month=month)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        field="feedback_notice",
        target_repr=f"投诉建议月度通报 {month:%Y-%m}",
        changes={
            "month": f"{month:%Y-%m}",
            "department": department_id,
            "cases": sum(len(s.cases) for s in sections),
        },
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="feedback-notice-{month:%Y-%m}.xlsx"'
    return response
