"""An eService as the documents show it: its sections for the admin page, and its PDF (SPEC E7).

:func:`sections` turns the frozen form (``record.submitted``, see :mod:`eservices.rules`) into
the form's sections with the documents' labels; the admin change page and :func:`render_pdf`
both show that, so the two never disagree. The PDF is made with ReportLab's standard fonts
(no font files); text outside their Latin-1 range, e.g. a Chinese contact name, is set in
ReportLab's built-in Traditional Chinese CID font.

Issue 11: the labels are in the active language: the Client Connect page's (English or
Traditional Chinese, with a line saying the English version prevails), English in the admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from accounts.models import DARole, User

from .models import WORKFLOW, EService, FormKind, RequestType, Status, UnlockAction
from .rules import DA3_DECLARATION_TEXT, DECLARATION, fee

HKT = ZoneInfo("Asia/Hong_Kong")
CJK_FONT = "MSung-Light"


class _TraditionalChinese(UnicodeCIDFont):
    """ReportLab's MSung-Light (Adobe-CNS1, not embedded: the reader supplies the glyphs).
    ReportLab names the simplified-Chinese CMap (UniGB-UCS2-H) for it, which readers cannot
    pair with CNS1 and then draw nothing; the Traditional one takes the same UTF-16 text."""

    def __init__(self):
        super().__init__(CJK_FONT)
        self.encodingName = "UniCNS-UCS2-H"


pdfmetrics.registerFont(_TraditionalChinese())

#: The documents' block titles under "DETAILS OF REQUESTS".
REQUEST_TITLES = {
    RequestType.ADD: gettext_lazy("DETAILS OF ADD REQUEST"),
    RequestType.CHANGE: gettext_lazy("DETAILS OF CHANGE REQUEST"),
    RequestType.UNLOCK: gettext_lazy("DETAILS OF UNLOCK / ENABLE / DISABLE REQUEST"),
    RequestType.DELETE: gettext_lazy("DETAILS OF DELETE REQUEST"),
}
#: (label, key) of a request block, in the form's order; a key missing from the block is left
#: out, so each block shows what its type asks for.
REQUEST_FIELDS = [(gettext_lazy("User ID"), "user_id"), (gettext_lazy("Surname"), "surname"),
                  (gettext_lazy("Other Names"), "other_names"),
                  (gettext_lazy("Email Address"), "email"), (gettext_lazy("DA Role"), "role"),
                  (gettext_lazy("Request"), "action")]
STEP_LABELS = {"start": gettext_lazy("Created")}
#: DA roles as the form names them (the accounts' own labels say "None (end user)" too).
DA_ROLES = {DARole.MAKER: gettext_lazy("DA maker"), DARole.CHECKER: gettext_lazy("DA checker")}


@dataclass
class Part:
    """One section (or block of a section) of the form: a title, free text, labelled values."""

    title: str
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Part] = field(default_factory=list)


@dataclass
class HistoryLine:
    at: str
    step: str
    status: str
    by: str
    message: str


def hkt(value: datetime | None) -> str:
    """``07-Feb-2023 10:43 HKT``, as the documents write a step's time (in Chinese
    ``2023-02-07 10:43 HKT``: the format is translated, as on the pages)."""
    if value is None:
        return ""
    shown = dateformat.format(timezone.localtime(value, HKT),
                              translation.pgettext("date format", "d-M-Y H:i"))
    return f"{shown} HKT"


def heading(record: EService) -> str:
    """The page heading: "DA 3 CCASS/ CCMS DELEGATED ADMINISTRATOR APPLICATION/ MAINTENANCE
    FORM" (the subject line's title, without its dash, in capitals, as on the form)."""
    return record.title.replace(" - ", " ", 1).upper()


def status_line(record: EService) -> str:
    """``07-Feb-2023 10:43 HKT Sent to HKEX``: when the record reached its status, and which."""
    return f"{hkt(record.status_at)} {record.get_status_display()}"


def actor_label(user: User | None, *, staff_ids: bool = False) -> str:
    """Who took a step: a Client Connect user by name, HKEX staff as "HKEX" (as the emails
    say); on HKEX's own pages (``staff_ids``) with the User ID of each."""
    if user is None:
        return ""
    if user.is_staff:
        return f"HKEX ({user.username})" if staff_ids else _("HKEX")
    name = user.get_full_name() or user.username
    return f"{name} ({user.username})" if staff_ids and name != user.username else name


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "")


def _company(record: EService, data: dict) -> Part:
    participant = record.participant
    part = Part(_("COMPANY INFORMATION"), rows=[(_("From"), participant.name)])
    if record.form == FormKind.DA3:
        part.rows.append((_("As"), _("%(house)s Participant (%(participant_id)s)") % {
            "house": data.get("as") or participant.clearing_house,
            "participant_id": participant.participant_id}))
    else:
        part.rows.append((_("Participant ID"), participant.participant_id))
    return part


def _request_block(number: int, req: dict) -> Part:
    kind = req.get("type")
    block = Part(_("Request %(number)s: %(title)s") % {
        "number": number, "title": REQUEST_TITLES.get(kind) or _("DETAILS OF REQUEST")})
    for label, key in REQUEST_FIELDS:
        if key not in req:
            continue
        value = req.get(key) or ""
        if key == "role":
            value = DA_ROLES.get(value) or _label(DARole, value)
        elif key == "action":
            value = _label(UnlockAction, value)
        block.rows.append((label, str(value)))
    return block


def _contacts(data: dict) -> Part:
    contacts = [c for c in data.get("contacts") or []
                if any((c.get(k) or "").strip() for k in ("name", "email", "phone"))]
    part = Part(_("CONTACT INFORMATION"))
    for i, contact in enumerate(contacts, start=1):
        part.blocks.append(Part(
            _("Contact Person %(number)s") % {"number": i} if len(contacts) > 1 else "",
            rows=[(_("Name of Contact Person"), contact.get("name") or ""),
                  (_("Email Address"), contact.get("email") or ""),
                  (_("Telephone Number"), contact.get("phone") or "")]))
    return part


def _money(value) -> str:
    return f"HK${value:,.2f}" if value is not None else ""


def sections(record: EService) -> list[Part]:
    """The form as submitted (or as drafted, before its first SUBMIT), section by section."""
    data = record.shown or {}
    parts = [_company(record, data)]
    if record.form == FormKind.DA3:
        types = set(data.get("types") or [])
        parts.append(Part(_("MAINTENANCE REQUEST"), rows=[(
            _("Maintenance Request"),
            ", ".join(str(t.label) for t in RequestType if t.value in types))]))
        details = Part(_("DETAILS OF REQUESTS"))
        details.blocks = [_request_block(i, req)
                          for i, req in enumerate(data.get("requests") or [], start=1)]
        parts.append(details)
        declaration = Part("", notes=[str(DA3_DECLARATION_TEXT)])
    else:
        accounts = data.get("accounts")
        parts.append(Part(_("USER ACCOUNT APPLICATION"), rows=[
            (_("Number of additional user accounts"), str(accounts or "")),
            (_("One-off fee (HK$250 each account)"),
             _money(record.fee_hkd if record.fee_hkd is not None else fee(data)))]))
        declaration = Part("")
    # On the form "Remarks" is a field after the last block, then the declaration: neither has
    # a section heading of its own.
    parts.append(Part("", rows=[(_("Remarks"), data.get("remarks") or "-")]))
    declaration.rows.append((str(DECLARATION), _("Yes") if data.get("declaration") else _("No")))
    parts.append(declaration)
    parts.append(_contacts(data))
    return parts


def result(record: EService) -> Part | None:
    """What HKEX's completion applied (the assigned DA User IDs, the quota), or the rejection's
    reason; None before HKEX has acted."""
    done = record.result or {}
    if record.status == Status.REJECTED:
        return Part(_("RESULT"), rows=[(_("Rejected by HKEX"), hkt(record.status_at)),
                                       (_("Reason"), record.reject_reason)])
    if record.status != Status.COMPLETED:
        return None
    part = Part(_("RESULT"), rows=[(_("Completed by HKEX"), hkt(record.status_at))])
    if record.form == FormKind.DA4:
        part.rows += [
            (_("Additional user accounts granted"), str(done.get("granted", ""))),
            (_("MAX. NO. OF USERS"), _("%(before)s before, %(after)s after") % {
                "before": done.get("max_users_before", ""),
                "after": done.get("max_users_after", "")}),
            (_("One-off fee"), _money(record.fee_hkd)),
        ]
        return part
    for item in done.get("applied") or []:
        label = _("Request %(number)s: %(type)s") % {
            "number": item.get("request"), "type": _label(RequestType, item.get("type"))}
        user_id = {"user_id": item.get("user_id", "")}
        if item.get("type") == RequestType.ADD:
            role = item.get("role")
            value = _("DA User ID %(user_id)s assigned (%(role)s)") % {
                **user_id, "role": DA_ROLES.get(role) or _label(DARole, role)}
        elif item.get("type") == RequestType.CHANGE:
            value = _("%(user_id)s: email address changed") % user_id
        elif item.get("type") == RequestType.DELETE:
            value = _("%(user_id)s: deleted") % user_id
        elif item.get("action") == UnlockAction.UNLOCK:
            value = _("%(user_id)s: unlocked, OTP device registration reset (sets up the "
                      "password and OTP channel again at the next login)") % user_id
        elif item.get("action") == UnlockAction.ENABLE:
            value = _("%(user_id)s: enabled") % user_id
        else:
            value = _("%(user_id)s: disabled") % user_id
        part.rows.append((label, value))
    return part


def assigned_user_ids(record: EService) -> list[str]:
    return [a["user_id"] for a in (record.result or {}).get("applied", [])
            if a.get("type") == RequestType.ADD]


def history(record: EService, *, staff_ids: bool = False) -> list[HistoryLine]:
    """Every step of the record (who, when in HKT, which step, the message), oldest first."""
    lines = []
    for step in record.steps.select_related("actor").order_by("at", "id"):
        transition = WORKFLOW.transitions.get(step.transition)
        lines.append(HistoryLine(
            at=hkt(step.at),
            step=STEP_LABELS.get(step.transition) or (transition.label if transition
                                                      else step.transition),
            status=_label(Status, step.to_status),
            by=actor_label(step.actor, staff_ids=staff_ids),
            message=step.message))
    return lines


# --- the PDF ----------------------------------------------------------------------------------

_NOT_LATIN = re.compile(r"[^\x00-\xff]+")
INK = colors.HexColor("#1a1a1a")
BAND = colors.HexColor("#0b3a5b")  # the form's dark section bands
RULE = colors.HexColor("#b8c4ce")
LABEL_BG = colors.HexColor("#eef2f5")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12, textColor=INK,
                      alignment=TA_LEFT)
LABEL = ParagraphStyle("label", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=13,
                       leading=17, spaceAfter=4)
BANNER = ParagraphStyle("banner", parent=BODY, fontName="Helvetica-Bold", fontSize=10,
                        textColor=colors.white)
BLOCK = ParagraphStyle("block", parent=BODY, fontName="Helvetica-Bold", spaceBefore=6,
                       spaceAfter=2, keepWithNext=1)
NOTE = ParagraphStyle("note", parent=BODY, spaceBefore=2, spaceAfter=4)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)


def _markup(text) -> str:
    """Escaped for ReportLab's paragraph markup; runs beyond Latin-1 in the CJK font (the
    standard fonts have no glyphs for them)."""
    escaped = escape(str(text if text is not None else ""))
    escaped = _NOT_LATIN.sub(lambda m: f'<font name="{CJK_FONT}">{m.group(0)}</font>', escaped)
    return escaped.replace("\n", "<br/>")


def _font_for(text: str) -> str:
    """The footer's font: the CJK font for a line with Chinese (it has Latin glyphs too)."""
    return CJK_FONT if _NOT_LATIN.search(text) else "Helvetica"


def _p(text, style=BODY) -> Paragraph:
    return Paragraph(_markup(text), style)


def _band(title: str, width: float) -> Table:
    band = Table([[_p(title, BANNER)]], colWidths=[width])
    band.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND),
                              ("TOPPADDING", (0, 0), (-1, -1), 4),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    band.keepWithNext = True  # a heading never ends a page
    return band


def _rows(rows: list[tuple[str, str]], width: float) -> Table:
    table = Table([[_p(label, LABEL), _p(value)] for label, value in rows],
                  colWidths=[60 * mm, width - 60 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]))
    return table


def _part(part: Part, width: float, *, level: int = 0) -> list:
    flow = []
    if part.title:
        flow.append(_band(part.title, width) if level == 0 else _p(part.title, BLOCK))
    flow += [_p(note, NOTE) for note in part.notes]
    if part.rows:
        flow.append(_rows(part.rows, width))
    for block in part.blocks:
        flow += _part(block, width, level=level + 1)
    return [*flow, Spacer(1, 4 * mm if level == 0 else 1 * mm)]


def _history_table(lines: list[HistoryLine], width: float) -> Table:
    head = [_p(h, LABEL) for h in (_("Date/Time (HKT)"), _("Step"), _("Status"), _("By"),
                                   _("Message"))]
    body = [[_p(x.at.removesuffix(" HKT")), _p(x.step), _p(x.status), _p(x.by), _p(x.message)]
            for x in lines]
    widths = [33 * mm, 22 * mm, 32 * mm, 40 * mm]
    table = Table([head, *body], colWidths=[*widths, width - sum(widths)], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]))
    return table


def render_pdf(record: EService) -> bytes:
    """The eService as a PDF: title, "Reference Number", "Status", every section of the form
    as submitted, what HKEX applied (or why it rejected), and the history (SPEC E7)."""
    buffer = BytesIO()
    printed = hkt(timezone.now())
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=18 * mm, title=f"{record.reference} {record.title}",
        author="HKEX Client Connect", subject=str(record.title), creator="CCASS/CCMS Portal")
    width = doc.width

    footnote = _("HKEX Client Connect - %(reference)s - downloaded %(printed)s") % {
        "reference": record.reference or _("Draft"), "printed": printed}

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.setFont(_font_for(footnote), 7.5)
        canvas.drawString(doc.leftMargin, 10 * mm, footnote)
        page = _("Page %(page)s") % {"page": document.page}
        canvas.setFont(_font_for(page), 7.5)
        canvas.drawRightString(doc.leftMargin + width, 10 * mm, page)
        canvas.restoreState()

    flow = [
        _p("HKEX Client Connect", SMALL),
        _p(heading(record), TITLE),
        _rows([(_("Reference Number"), record.reference or ""),
               (_("Status"), status_line(record))], width),
        Spacer(1, 5 * mm),
    ]
    if not (translation.get_language() or "en").startswith("en"):
        # The exchange publishes in English with a Chinese translation: English prevails.
        flow.insert(2, _p(_("This PDF is a translation. If there is any inconsistency between "
                            "the English and Chinese versions, the English version prevails."),
                          SMALL))
    for part in sections(record):
        flow += _part(part, width)
    if (done := result(record)) is not None:
        flow += _part(done, width)
    flow += [_band(_("HISTORY"), width), _history_table(history(record), width)]
    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def pdf_response(record: EService) -> HttpResponse:
    """The PDF as a download named after the reference number (``DA3_00000001.pdf``)."""
    response = HttpResponse(render_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{record.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"  # personal data: no shared cache keeps it
    return response
