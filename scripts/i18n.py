"""The portal's one message catalogue: English source, Traditional Chinese (zh-Hant) translation.

    python scripts/i18n.py update          # extract the marked strings into locale/.../django.po
    python scripts/i18n.py todo [PREFIX]   # untranslated or fuzzy entries (JSON), with their files
    python scripts/i18n.py apply FILE.json # {"msgid": "譯文", ...} (plural: [s0]); then compiles
    python scripts/i18n.py compile         # django.po -> django.mo (msgfmt --check-format)

Every write holds an exclusive lock on ``locale/.lock``, so several people (or agents) marking
strings at the same time never overwrite each other's translations. The test suite checks the
catalogue (tests/test_i18n_catalogue.py); the test command compiles it first.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
PO = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
#: What makemessages never looks at: installed packages, tests, generated files.
IGNORE = [".venv", "node_modules", "tests", "staticfiles", "var", "scripts", "docs", ".git"]


def makemessages_command(cwd: Path) -> list[str]:
    args = [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hant", "--no-wrap",
            "--add-location", "file", "--no-obsolete"]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    return args


@contextmanager
def locked():
    LOCALE.mkdir(exist_ok=True)
    with open(LOCALE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _env() -> dict:
    return {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "i18n-only")}


def compile_catalogue() -> None:
    """msgfmt --check-format: a translation that drops or changes a placeholder fails here."""
    msgfmt_compile(PO, MO)


def msgfmt_compile(po: Path, mo: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise SystemExit("GNU gettext's msgfmt is missing (Debian package gettext).")
    subprocess.run([msgfmt, "--check-format", "--check-header", "-o", str(mo), str(po)],  # noqa: S603
                   check=True)


HEADER = {
    "Project-Id-Version": "ccass-portal",
    "Language": "zh_Hant",
    "Language-Team": "Traditional Chinese (Hong Kong usage)",
    "Content-Type": "text/plain; charset=UTF-8",
    "Plural-Forms": "nplurals=1; plural=0;",
    "PO-Revision-Date": "",
    "Last-Translator": "CCASS portal team",
}


def update() -> None:
    with locked():
        subprocess.run(makemessages_command(ROOT), cwd=ROOT, env=_env(), check=True)  # noqa: S603
        catalogue = polib.pofile(str(PO))
        catalogue.metadata.update(HEADER)
        # No dates that change on every run: the catalogue changes only when a message does.
        catalogue.metadata.pop("POT-Creation-Date", None)
        catalogue.metadata_is_fuzzy = False
        catalogue.header = "The portal's messages in Traditional Chinese (issue 11)."
        catalogue.save()
        compile_catalogue()


def todo(prefix: str = "") -> list[dict]:
    catalogue = polib.pofile(str(PO))
    return [
        {"msgid": e.msgid, "plural": e.msgid_plural or None, "context": e.msgctxt,
         "files": sorted({f for f, _ in e.occurrences})}
        for e in catalogue
        if (not e.translated() or "fuzzy" in e.flags) and not e.obsolete
        and any(f.startswith(prefix) for f, _ in e.occurrences)
    ]


def apply(path: str) -> int:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    with locked():
        catalogue = polib.pofile(str(PO))
        done = 0
        for entry in catalogue:
            if entry.msgid not in translations:
                continue
            text = translations[entry.msgid]
            if entry.msgid_plural:
                forms = text if isinstance(text, list) else [text]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = text if isinstance(text, str) else text[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            # A fuzzy match may also carry "#| msgctxt": alone it is a syntax error to msgfmt.
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            done += 1
        catalogue.save()
        compile_catalogue()
    return done


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "update":
        update()
    elif command == "compile":
        with locked():
            compile_catalogue()
    elif command == "todo":
        print(json.dumps(todo(argv[1] if len(argv) > 1 else ""), ensure_ascii=False, indent=1))
    elif command == "apply" and len(argv) == 2:
        print(f"{apply(argv[1])} entries translated")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
