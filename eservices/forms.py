"""Input of the Client Connect pages (SPEC E2, E3): the DA3 and DA4 forms as Django forms.

:class:`EServiceForms` is one page's worth of forms (the form itself, the DA3 request blocks,
the contact persons), converted to and from the JSON shape of :mod:`eservices.rules`. Only the
shape is checked here (lengths, choices, whole numbers); what a form must say to be submitted is
:func:`eservices.rules.problems`, whose messages :meth:`EServiceForms.attach` puts beside the
fields they name.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ClearingHouse, DARole

from . import rules
from .models import DA3_MAX_PROFILES, EService, FormKind, RequestType, UnlockAction

MAX_CONTACTS = 3
#: Which fields of a request block belong to which type (the rest is dropped on SAVE).
REQUEST_FIELDS = {
    RequestType.ADD: ("surname", "other_names", "email", "role"),
    RequestType.CHANGE: ("user_id", "email"),
    RequestType.UNLOCK: ("user_id", "action"),
    RequestType.DELETE: ("user_id",),
}


def too_many_contacts() -> str:
    return _("CONTACT INFORMATION: at most %(most)s contact persons.") % {"most": MAX_CONTACTS}



class VersionForm(forms.Form):
    """The record's version as the page showed it: a stale tab is refused by the service."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class StepForm(VersionForm):
    message = forms.CharField(label=gettext_lazy("Any message to the next step? (optional)"),
                              max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReferForm(StepForm):
    """"REFER TO": another checker of the company."""

    to = forms.ModelChoiceField(label=gettext_lazy("Refer to"), queryset=None, empty_label=None)

    def __init__(self, *args, checkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = checkers
        self.fields["to"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"


class _Problems:
    """Messages of rules.problems for this form's fields: ``form.problems.<field>``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: dict[str, list[str]] = {}


class RequestForm(_Problems, forms.Form):
    """One block of "DETAILS OF REQUESTS" (one DA)."""

    type = forms.ChoiceField(label=gettext_lazy("Type of Request"), choices=RequestType.choices)
    user_id = forms.CharField(label=gettext_lazy("User ID"), max_length=8, required=False)
    surname = forms.CharField(label=gettext_lazy("Surname"), max_length=60, required=False)
    other_names = forms.CharField(label=gettext_lazy("Other Names"), max_length=100,
                                  required=False)
    email = forms.CharField(label=gettext_lazy("Email Address"), max_length=254, required=False)
    role = forms.ChoiceField(
        label=gettext_lazy("DA Role"), required=False, widget=forms.RadioSelect,
        choices=[(DARole.MAKER.value, gettext_lazy("DA maker")),
                 (DARole.CHECKER.value, gettext_lazy("DA checker"))])
    action = forms.ChoiceField(label=gettext_lazy("Unlock/ Enable/ Disable"), required=False,
                               widget=forms.RadioSelect, choices=UnlockAction.choices)

    def as_data(self) -> dict:
        kind = self.cleaned_data["type"]
        data = {"type": kind}
        for name in REQUEST_FIELDS[kind]:
            value = self.cleaned_data.get(name) or ""
            data[name] = value.upper() if name == "user_id" else value
        return data


class ContactForm(_Problems, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of Contact Person"), max_length=100,
                           required=False)
    email = forms.CharField(label=gettext_lazy("Email Address"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("Telephone Number"), max_length=20,
                            required=False)

    def as_data(self) -> dict:
        return {k: self.cleaned_data.get(k) or "" for k in ("name", "email", "phone")}


class _Blocks(forms.BaseFormSet):
    @staticmethod
    def too_many() -> str:
        return ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, "too_many_forms": self.too_many()}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            # not "Delete": that is a type of request
            form.fields["DELETE"].label = _("Remove")

    def as_data(self) -> list[dict]:
        return [form.as_data() for form in self.forms
                if not (self.can_delete and self._should_delete_form(form))]


class _Requests(_Blocks):
    too_many = staticmethod(rules.too_many_requests)


class _Contacts(_Blocks):
    too_many = staticmethod(too_many_contacts)


RequestFormSet = forms.formset_factory(RequestForm, formset=_Requests, extra=0, can_delete=True,
                                       max_num=DA3_MAX_PROFILES, validate_max=True)
ContactFormSet = forms.formset_factory(ContactForm, formset=_Contacts, extra=0, can_delete=True,
                                       max_num=MAX_CONTACTS, validate_max=True)


class DA3Form(_Problems, VersionForm):
    types = forms.MultipleChoiceField(
        label=gettext_lazy("Maintenance Request"), required=False, choices=RequestType.choices,
        widget=forms.CheckboxSelectMultiple)
    remarks = forms.CharField(label=gettext_lazy("Remarks"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={
                                  "rows": 3,
                                  "placeholder": gettext_lazy("Type your answer here.")}))
    declaration = forms.BooleanField(label=rules.DECLARATION, required=False)


class DA4Form(_Problems, VersionForm):
    accounts = forms.IntegerField(label=gettext_lazy("Number of additional user accounts"),
                                  min_value=0, max_value=99999, required=False)
    remarks = DA3Form.base_fields["remarks"]
    declaration = DA3Form.base_fields["declaration"]


class EServiceForms:
    """The forms of one record's page: bound to ``post`` (SAVE) or showing ``data``.

    ``readonly`` disables every field (PREVIEW, and every record that is not the maker's Draft).
    """

    def __init__(self, record: EService, *, data: dict | None = None, post=None,
                 readonly: bool = False):
        self.record = record
        self.is_da3 = record.form == FormKind.DA3
        data = data if data is not None else record.data
        initial = {k: v for k, v in data.items() if k not in ("requests", "contacts")}
        initial["version"] = record.version
        main = DA3Form if self.is_da3 else DA4Form
        self.form = main(post, initial=initial)
        self.requests = RequestFormSet(post, prefix="requests",
                                       initial=data.get("requests") or []) if self.is_da3 else None
        self.contacts = ContactFormSet(post, prefix="contacts",
                                       initial=data.get("contacts") or [{}])
        self.readonly = readonly
        if readonly:
            for form in self._all():
                form.fields.pop("DELETE", None)
                for field in form.fields.values():
                    field.disabled = True

    def _all(self):
        yield self.form
        for formset in (self.requests, self.contacts):
            if formset is not None:
                yield from formset.forms

    def is_valid(self) -> bool:
        valid = [self.form.is_valid(), self.contacts.is_valid()]
        if self.requests is not None:
            valid.append(self.requests.is_valid())
        return all(valid)

    @property
    def version(self) -> int:
        return self.form.cleaned_data["version"]

    def as_data(self) -> dict:
        """The cleaned input in the JSON shape of :mod:`eservices.rules`."""
        cleaned = self.form.cleaned_data
        data = {"remarks": cleaned["remarks"], "declaration": cleaned["declaration"],
                "contacts": self.contacts.as_data()}
        if not self.is_da3:
            return {"accounts": cleaned["accounts"], **data}
        chosen = set(cleaned["types"])
        return {"as": self.record.participant.clearing_house,
                "types": [t for t in RequestType.values if t in chosen],
                "requests": self.requests.as_data(), **data}

    def attach(self, problems: list[tuple[str, str]]) -> None:
        """Put each (field, message) of rules.problems beside its field."""
        for key, message in problems:
            form, name = self.form, key
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                formset = {"requests": self.requests, "contacts": self.contacts}.get(parts[0])
                if formset is not None and int(parts[1]) < len(formset.forms):
                    form, name = formset.forms[int(parts[1])], parts[2]
                else:
                    name = parts[0]
            form.problems.setdefault(name, []).append(message)


def with_block(data: dict, key: str) -> tuple[dict, str | None]:
    """``data`` with one more empty request (``+ REQUEST``) or contact (``+ CONTACT PERSON``)
    block, or unchanged with the reason why not."""
    blocks = list(data.get(key) or [])
    if key == "requests":
        if len(blocks) >= DA3_MAX_PROFILES:
            return data, rules.too_many_requests()
        kind = (data.get("types") or [RequestType.CHANGE.value])[0]
        blocks.append({"type": kind, **dict.fromkeys(REQUEST_FIELDS[RequestType(kind)], "")})
    else:
        if len(blocks) >= MAX_CONTACTS:
            return data, too_many_contacts()
        blocks.append({"name": "", "email": "", "phone": ""})
    return {**data, key: blocks}, None


def as_options(data: dict, participant) -> list[tuple[str, bool]]:
    """COMPANY INFORMATION, "As": each clearing house, the company's own ticked."""
    own = data.get("as") or participant.clearing_house
    return [(_("%(house)s Participant (%(participant_id)s)") % {
        "house": house, "participant_id": participant.participant_id} if house == own
        else _("%(house)s Participant") % {"house": house}, house == own)
        for house in ClearingHouse.values]
