"""Client Connect (SPEC E1-E4): thin views over eservices.services.

Each button of the documents has its own URL ("SAVE", "PREVIEW", "+ REQUEST", "SUBMIT",
"CLAIM", ...): the view checks the form, calls one service and redirects, or renders the
record page. Which buttons a page shows comes from ``services.available_actions``; whether the
step may be taken is decided again by the service when it is pressed. A record is seen only by
the users of its company (others get 404).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import connect_required
from accounts.audit import client_ip

from . import pdf, rules, services
from .forms import EServiceForms, ReferForm, StepForm, VersionForm, as_options, with_block
from .models import DA4_FEE_PER_ACCOUNT_HKD, WORKFLOW, EService, FormKind, Status

CLASSIFICATION = gettext_lazy("User Maintenance CC")
RECORDS = EService.objects.select_related("participant", "maker", "submitted_by", "claimed_by")

#: The buttons of a record that is not being edited, in the documents' order:
#: (step, label, URL name, opens a "PLEASE CONFIRM" dialog first).
BUTTONS = [
    ("revert", gettext_lazy("REVERT"), "connect:revert", True),
    ("refer", gettext_lazy("REFER TO"), "connect:refer", True),
    ("confirm", gettext_lazy("CONFIRM"), "connect:confirm", True),
    ("release", gettext_lazy("RELEASE"), "connect:release", False),
    ("claim", gettext_lazy("CLAIM"), "connect:claim", False),
    ("reclaim", gettext_lazy("RECLAIM"), "connect:reclaim", False),
]


@dataclass(frozen=True)
class Dialog:
    title: str
    text: str
    message_label: str | None
    #: the page under the dialog: "preview" (the maker's Draft) or "view"
    under: str = "view"
    #: a DA4's total fee is repeated in the dialog (SPEC E3: shown before submission)
    shows_fee: bool = False


DIALOGS = {
    "submit": Dialog(gettext_lazy("PLEASE CONFIRM"),
                     gettext_lazy("The record will be ready to send to HKEX."),
                     gettext_lazy("Any message to the next step? (optional)"), under="preview",
                     shows_fee=True),
    "discard": Dialog(gettext_lazy("PLEASE CONFIRM"),
                      gettext_lazy("The record will be discarded."), None, under="preview"),
    "confirm": Dialog(gettext_lazy("PLEASE CONFIRM TO PROCEED"),
                      gettext_lazy("The record will be sent to HKEX."),
                      gettext_lazy("Any message to the record user? (optional)")),
    "revert": Dialog(gettext_lazy("PLEASE CONFIRM TO PROCEED"),
                     gettext_lazy("The record will be reverted to the maker as a Draft."),
                     gettext_lazy("Any message to the record user? (optional)")),
    "refer": Dialog(gettext_lazy("REFER TO"),
                    gettext_lazy("The record will be referred to another checker."),
                    gettext_lazy("Any message to the next step? (optional)")),
}


def _hkd(amount) -> str:
    return f"HK${amount:,.2f}"


def _record_or_404(request, pk) -> EService:
    return get_object_or_404(RECORDS, pk=pk, participant_id=request.user.connect_company_id)


def _to_record(record, anchor=""):
    return redirect(reverse("connect:record", args=[record.pk]) + anchor)


def _refused(request, record, exc, *, to="connect:record"):
    for message in exc.messages:
        messages.error(request, message)
    return redirect(to, pk=record.pk)


# --- Home: Partnership Management > User Maintenance, Tasks, the company's records -------------


@require_GET
@connect_required
def home_view(request):
    user = request.user
    records = RECORDS.filter(participant_id=user.connect_company_id)
    # "Tasks": what waits for the company's checkers (the table's sources of "CONFIRM").
    tasks = (records.filter(status__in=WORKFLOW.transitions["confirm"].sources)
             .exclude(submitted_by=user) if user.connect_checker else records.none())
    return render(request, "eservices/home.html", {
        "system": "Client Connect", "company": user.connect_company,
        "classification": CLASSIFICATION, "functions": FormKind.choices,
        "tasks": tasks, "records": records.exclude(status=Status.DISCARDED)[:100],
    })


@require_POST
@connect_required
def create_view(request, form):
    """A row of "User Maintenance": a new Draft of that form."""
    if form not in FormKind.values:
        raise Http404("No such eService")
    try:
        record = services.eservice_create(form=form, actor=request.user,
                                          source_ip=client_ip(request))
    except services.EServiceRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("connect:home")
    return _to_record(record)


# --- the record page ---------------------------------------------------------------------------


def _history(record):
    rows = []
    for step in record.steps.select_related("actor"):
        transition = WORKFLOW.transitions.get(step.transition)
        rows.append({
            "at": step.at, "step": transition.label if transition else _("Created"),
            "status": Status(step.to_status).label,
            "by": _("HKEX") if step.actor is None or step.actor.is_staff
            else step.actor.get_full_name() or step.actor.username,
            "message": step.message,
        })
    return rows


def _page(request, record, *, mode, forms=None, dialog=None, dialog_form=None, check=False,
          status=200):
    """The record page. ``mode``: "edit" (the maker's Draft), "preview" (the Draft read-only
    with every problem), "view" (read-only, the buttons of available_actions)."""
    actions = services.available_actions(record, request.user)
    data = record.shown
    forms = forms or EServiceForms(record, data=data, readonly=mode != "edit")
    problems = []
    if mode == "preview" or check:
        problems = rules.problems(record.form, record.participant, data)
        forms.attach(problems)
    warning = None
    if record.form == FormKind.DA3 and (mode == "preview" or {"claim", "confirm"} & set(actions)):
        warning = rules.staffing_warning(record.participant, data)
    buttons = [{"label": label, "url": reverse(name, args=[record.pk]), "dialog": opens}
               for step, label, name, opens in BUTTONS if step in actions]
    return render(request, "eservices/record.html", {
        "system": "Client Connect", "record": record, "mode": mode, "forms": forms,
        "title": record.title.replace(" - ", " ", 1).upper(),
        "actions": actions, "buttons": buttons, "problems": [m for _, m in problems],
        "staffing_warning": warning, "as_options": as_options(data, record.participant),
        "declaration_text": rules.DA3_DECLARATION_TEXT,
        "fee_each": _hkd(DA4_FEE_PER_ACCOUNT_HKD), "fee_per_account": DA4_FEE_PER_ACCOUNT_HKD,
        "fee_total": _hkd(record.fee_hkd if record.fee_hkd is not None else rules.fee(data)),
        "can_clone": request.user.connect_maker and mode == "view",
        "dialog": dialog, "dialog_form": dialog_form, "history": _history(record),
        # What HKEX did: the assigned DA User IDs to refer to (Information Package 4.1.1).
        "result": pdf.result(record),
        # "Claimed By" while the claim still counts (the table still allows its RELEASE)
        "claimed_by": record.claimed_by if WORKFLOW.allows(record.status, "release") else None,
    }, status=status)


@require_GET
@connect_required
def record_view(request, pk):
    """The maker's Draft as a form to fill; every other record read-only with its buttons."""
    record = _record_or_404(request, pk)
    mode = "edit" if "submit" in services.available_actions(record, request.user) else "view"
    return _page(request, record, mode=mode, check=bool(request.GET.get("check")))


def _save(request, pk, *, then, add=None):
    """Keep the maker's form as typed; ``add`` one more empty request or contact block."""
    record = _record_or_404(request, pk)
    forms = EServiceForms(record, post=request.POST)
    if not forms.is_valid():
        return _page(request, record, mode="edit", forms=forms)
    data, refused = forms.as_data(), None
    if add:
        data, refused = with_block(data, add)
    try:
        record = services.draft_save(record_id=record.pk, actor=request.user, data=data,
                                     version=forms.version)
    except services.EServiceRefused as exc:
        return _refused(request, record, exc)
    if refused:
        messages.error(request, refused)
    return then(record, data)


@require_POST
@connect_required
def save_view(request, pk):
    """"SAVE"."""

    def then(record, data):
        messages.success(request, _("The draft has been saved."))
        return _to_record(record)

    return _save(request, pk, then=then)


@require_POST
@connect_required
def add_request_view(request, pk):
    """"+ REQUEST": save, and one more DA block (at most 4)."""
    return _save(request, pk, add="requests", then=lambda record, data: _to_record(
        record, f"#request-{len(data['requests'])}"))


@require_POST
@connect_required
def add_contact_view(request, pk):
    """"+ CONTACT PERSON": save, and one more contact person."""
    return _save(request, pk, add="contacts", then=lambda record, data: _to_record(
        record, "#contact-information"))


@require_http_methods(["GET", "POST"])
@connect_required
def preview_view(request, pk):
    """"PREVIEW" (POST: save first): the Draft read-only, every problem named by its field,
    the D5 warning; "DISCARD", "EDIT", "SUBMIT"."""
    if request.method == "POST":
        return _save(request, pk, then=lambda record, data: redirect("connect:preview",
                                                                     pk=record.pk))
    record = _record_or_404(request, pk)
    if "submit" not in services.available_actions(record, request.user):
        return _to_record(record)
    return _page(request, record, mode="preview")


# --- the steps ----------------------------------------------------------------------------------


def _dialog_step(request, record, name, act, *, done=_to_record, form_class=StepForm,
                 **form_kwargs):
    """GET: the record with the step's "PLEASE CONFIRM" dialog (the version the page showed
    comes along); POST: the step itself through ``act(record, cleaned_data)``, then
    ``done(record)``."""
    dialog = DIALOGS[name]
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
    else:
        shown = VersionForm(request.GET)
        form = form_class(initial={"version": shown.cleaned_data["version"]
                                   if shown.is_valid() else record.version}, **form_kwargs)
    if dialog.message_label:
        form.fields["message"].label = dialog.message_label
    else:
        del form.fields["message"]
    if request.method == "POST" and form.is_valid():
        back = "connect:preview" if dialog.under == "preview" else "connect:record"
        try:
            record = act(record, form.cleaned_data)
        except services.EServiceRefused as exc:
            return _refused(request, record, exc, to=back)
        return done(record)
    return _page(request, record, mode=dialog.under, dialog=dialog, dialog_form=form)


def _message_step(request, pk, name, service):
    """A dialog step whose only input is the optional message."""
    return _dialog_step(request, _record_or_404(request, pk), name, lambda record, data: service(
        record_id=record.pk, actor=request.user, version=data["version"],
        message=data["message"], source_ip=client_ip(request)))


@require_http_methods(["GET", "POST"])
@connect_required
def submit_view(request, pk):
    """"SUBMIT", "PLEASE CONFIRM", "CONFIRM": "Ready to Send to HKEX" (SPEC E4)."""
    return _message_step(request, pk, "submit", services.eservice_submit)


@require_http_methods(["GET", "POST"])
@connect_required
def discard_view(request, pk):
    """"DISCARD" a Draft."""

    def act(record, data):
        record = services.eservice_discard(record_id=record.pk, actor=request.user,
                                           version=data["version"],
                                           source_ip=client_ip(request))
        messages.success(request, _("The draft has been discarded."))
        return record

    return _dialog_step(request, _record_or_404(request, pk), "discard", act,
                        done=lambda record: redirect("connect:home"))


@require_http_methods(["GET", "POST"])
@connect_required
def confirm_view(request, pk):
    """The claimer's "CONFIRM", "PLEASE CONFIRM TO PROCEED": "Sent to HKEX"."""
    return _message_step(request, pk, "confirm", services.eservice_confirm)


@require_http_methods(["GET", "POST"])
@connect_required
def revert_view(request, pk):
    """"REVERT": back to the maker as a Draft, with a message."""
    return _message_step(request, pk, "revert", services.eservice_revert)


@require_http_methods(["GET", "POST"])
@connect_required
def refer_view(request, pk):
    """"REFER TO": another checker of the company."""
    record = _record_or_404(request, pk)
    checkers = services.company_checkers(record.participant_id).exclude(
        pk__in=[request.user.pk, record.submitted_by_id or 0]).order_by("surname", "username")

    def act(record, data):
        record = services.eservice_refer(
            record_id=record.pk, actor=request.user, version=data["version"], to=data["to"],
            message=data["message"], source_ip=client_ip(request))
        messages.success(request, _("The record has been referred to %(name)s.") % {
            "name": data["to"].get_full_name()})
        return record

    return _dialog_step(request, record, "refer", act, form_class=ReferForm, checkers=checkers)


def _direct_step(request, pk, act):
    """A step without a dialog: the version the page showed, one service call."""
    record = _record_or_404(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, services.STALE)
        return _to_record(record)
    try:
        record = act(record, form.cleaned_data["version"])
    except services.EServiceRefused as exc:
        return _refused(request, record, exc)
    return _to_record(record)


@require_POST
@connect_required
def claim_view(request, pk):
    return _direct_step(request, pk, lambda record, version: services.eservice_claim(
        record_id=record.pk, actor=request.user, version=version, source_ip=client_ip(request)))


@require_POST
@connect_required
def release_view(request, pk):
    return _direct_step(request, pk, lambda record, version: services.eservice_release(
        record_id=record.pk, actor=request.user, version=version, source_ip=client_ip(request)))


@require_POST
@connect_required
def reclaim_view(request, pk):
    """"RECLAIM": the maker takes the record back to Draft before a checker confirms it."""
    return _direct_step(request, pk, lambda record, version: services.eservice_reclaim(
        record_id=record.pk, actor=request.user, version=version, source_ip=client_ip(request)))


@require_POST
@connect_required
def clone_view(request, pk):
    """"CLONE": a new Draft with this record's form."""
    record = _record_or_404(request, pk)
    try:
        clone = services.eservice_clone(record_id=record.pk, actor=request.user,
                                        source_ip=client_ip(request))
    except services.EServiceRefused as exc:
        return _refused(request, record, exc)
    messages.success(request, _("A new Draft has been cloned from %(reference)s.") % {
        "reference": record.reference} if record.reference
        else _("A new Draft has been cloned from the draft."))
    return _to_record(clone)


@require_GET
@connect_required
def pdf_view(request, pk):
    """SPEC E7: a submitted eService as a PDF (``DA3_00000001.pdf``), for the Client Connect
    users with EU_UserMaintenance of its company; any other record is "not found"."""
    if not (request.user.connect_maker or request.user.connect_checker):
        raise Http404
    record = _record_or_404(request, pk)
    if not record.reference:
        raise Http404
    return pdf.pdf_response(record)
