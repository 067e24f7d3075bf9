"""Issue 11: the Traditional Chinese catalogue is complete, current and keeps every placeholder.

English is the source language (the exchange's documents: English prevails), so an English page
never needs the catalogue; a Chinese page must never fall back to English half-way.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

sys.path.insert(0, str(Path(settings.BASE_DIR) / "scripts"))
import i18n  # noqa: E402  (scripts/i18n.py, the catalogue's own tool)

PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}")


def _catalogue():
    return polib.pofile(str(i18n.PO))


def _translations(entry):
    if entry.msgid_plural:
        return list(entry.msgstr_plural.values())
    return [entry.msgstr]


def test_every_message_is_translated_and_none_is_fuzzy():
    missing = [e.msgid for e in _catalogue()
               if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == [], f"{len(missing)} messages have no Traditional Chinese: {missing[:20]}"


def test_every_translation_keeps_the_placeholders_of_its_message():
    dropped = []
    for entry in _catalogue():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in _translations(entry):
            if text and sorted(PLACEHOLDER.findall(text)) != wanted:
                dropped.append((entry.msgid, text))
    assert dropped == []


def test_the_catalogue_holds_every_marked_message_of_the_source(tmp_path):
    """makemessages on a copy of the source finds no message the catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext (Debian package gettext) is needed; scripts/test installs it")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    copy.mkdir()
    for name in ("manage.py",):
        shutil.copy(root / name, copy / name)
    for name in ("ccass_portal", "accounts", "dms", "terminal", "eservices", "templates",
                 "locale"):
        shutil.copytree(root / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".lock"))
    subprocess.run(i18n.makemessages_command(copy), cwd=copy, env=i18n._env(),  # noqa: S603
                   check=True, capture_output=True)
    extracted = polib.pofile(str(copy / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid) for e in _catalogue() if not e.obsolete}
    new = sorted(e.msgid for e in extracted if (e.msgctxt, e.msgid) not in ours)
    gone = sorted(msgid for ctxt, msgid in ours
                  if not any((e.msgctxt, e.msgid) == (ctxt, msgid) for e in extracted))
    assert new == [], f"run `python scripts/i18n.py update` and translate: {new[:20]}"
    assert gone == [], f"run `python scripts/i18n.py update`; no longer in the source: {gone[:20]}"


def test_the_compiled_catalogue_is_the_current_one(tmp_path):
    """The committed django.mo (used where gettext is not installed) matches django.po."""
    fresh = tmp_path / "django.mo"
    i18n.msgfmt_compile(i18n.PO, fresh)
    assert fresh.read_bytes() == i18n.MO.read_bytes(), "run `python scripts/i18n.py compile`"
