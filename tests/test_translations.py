"""The German catalogue is complete, compiled and used: German by default.

The catalogue is read with a small parser here, so these tests need no gettext
tools; only the check against the strings in code and templates runs
makemessages, and is skipped where gettext is not installed.
"""

import gettext
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import dialoq
from tests import factories

PACKAGE_DIR = Path(dialoq.__file__).resolve().parent
PO_FILE = PACKAGE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
GERMAN_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)


def _unescape(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes[match.group(1)], text)


def read_po(path: Path) -> list[Entry]:
    """Return the entries of a .po file, the header (msgid "") included."""
    entries, entry, target = [], Entry(), None
    lines = [*path.read_text(encoding="utf-8").splitlines(), ""]
    for line in lines:
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            entry.obsolete = True
        if not line.strip():
            if target is not None:
                entries.append(entry)
            entry, target = Entry(), None
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, target, _unescape(line.strip()[1:-1]))
        else:
            keyword, _space, value = line.partition(" ")
            target = keyword
            value = _unescape(value.strip()[1:-1])
            if keyword.startswith("msgstr["):
                entry.msgstr[int(keyword[7:-1])] = ""
            elif keyword == "msgstr":
                entry.msgstr[0] = ""
            else:
                setattr(entry, keyword, "")
            _append(entry, target, value)
    return entries


def _append(entry: Entry, target: str, text: str) -> None:
    if target.startswith("msgstr"):
        index = int(target[7:-1]) if target.startswith("msgstr[") else 0
        entry.msgstr[index] += text
    else:
        setattr(entry, target, getattr(entry, target) + text)


def _messages() -> list[Entry]:
    return [entry for entry in read_po(PO_FILE) if entry.msgid]


def test_catalogue_has_messages():
    """The German catalogue exists and holds the messages of the interface."""
    entries = _messages()
    assert len(entries) > 200
    assert any(entry.msgid == "Sign in" for entry in entries)


def test_every_message_is_translated_and_not_fuzzy():
    """Each message has a German translation, in every plural form, none fuzzy."""
    header = read_po(PO_FILE)[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: de\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    problems = []
    for entry in _messages():
        forms = 2 if entry.msgid_plural is not None else 1
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        if entry.obsolete:
            problems.append(("obsolete", entry.msgid))
        if sorted(entry.msgstr) != list(range(forms)):
            problems.append(("plural forms", entry.msgid))
        if not all(text.strip() for text in entry.msgstr.values()):
            problems.append(("untranslated", entry.msgid))
    assert problems == []


def test_translations_keep_the_placeholders():
    """Each translation has exactly the placeholders of its English message."""
    problems = []
    for entry in _messages():
        singular = set(PLACEHOLDER.findall(entry.msgid))
        wanted = set(singular)
        if entry.msgid_plural is not None:
            wanted |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            # The singular may leave out the number, as its English form does
            # ("every working day" / "every %(number)s working days").
            if found != wanted and not (index == 0 and found == singular):
                problems.append((entry.msgid, text))
    assert problems == []


def test_compiled_catalogue_matches_the_po_file():
    """django.mo holds exactly the translations of django.po (run compilemessages)."""
    with MO_FILE.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    header = read_po(PO_FILE)[0].msgstr[0]
    assert f"Plural-Forms: {compiled.info()['plural-forms']}\n" in header
    expected = {}
    for entry in _messages():
        key = entry.msgid
        if entry.msgctxt is not None:
            key = f"{entry.msgctxt}\x04{key}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    # msgfmt leaves the creation date out of the header, so compare messages only.
    messages = {key: text for key, text in compiled._catalog.items() if key != ""}
    assert messages == expected


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="gettext tools (xgettext, msgmerge) are not installed",
)
def test_catalogue_holds_every_message_of_code_and_templates(
    tmp_path, monkeypatch, settings
):
    """Collecting strings afresh finds no message missing from or extra in django.po.

    If this fails, run scripts/update-translations and translate the new entries.
    """
    copy = tmp_path / "dialoq"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static"),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["de"], no_obsolete=True, verbosity=0)
    collected = {
        entry.key for entry in read_po(copy / PO_FILE.relative_to(PACKAGE_DIR))
    }
    catalogue = {entry.key for entry in read_po(PO_FILE)}
    assert sorted(collected - catalogue, key=str) == [], "missing from django.po"
    assert sorted(catalogue - collected, key=str) == [], "no longer used"


def test_sign_in_page_is_german_by_default(client, db):
    """Without a language choice the sign-in page is German."""
    response = client.get(reverse("accounts:sign_in"))
    content = response.content.decode()
    assert '<html lang="de">' in content
    assert "Anmelden" in content
    assert "Zum Inhalt springen" in content
    assert "Sign in" not in content


def test_language_switch_turns_the_interface_english(client, db):
    """Choosing English through set_language renders the next page in English."""
    sign_in = reverse("accounts:sign_in")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": sign_in}, follow=True
    )
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == sign_in
    assert '<html lang="en">' in content
    assert "Sign in" in content
    assert "Anmelden" not in content


def test_case_page_formats_dates_in_german(world, client_for):
    """Dates on a case page read day.month.year by default, month/day in English."""
    case = factories.make_case(
        world.funder,
        world.provider_a,
        referred_on=date(2026, 1, 5),
        next_review_due=date(2026, 7, 19),
    )
    client = client_for(world.people.funder)
    url = case.get_absolute_url()
    german = client.get(url).content.decode()
    assert "19.07.2026" in german  # next review due
    assert "05.01.2026" in german  # referred on
    assert "Nächste Fortschreibung fällig" in german
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url).content.decode()
    assert "07/19/2026" in english
    assert "Next review due" in english


def test_start_page_uses_german_plurals_and_month_names(world, client_for):
    """The start page picks the German plural form and names today's month."""
    one_case = client_for(world.people.provider_a).get(reverse("start"))
    assert "Sie sind für 1 offenen Fall zuständig." in one_case.content.decode()
    two_cases = client_for(world.people.funder).get(reverse("start")).content.decode()
    assert "Sie sind für 2 offene Fälle zuständig." in two_cases
    month = GERMAN_MONTHS[timezone.localdate().month - 1]
    assert f"{timezone.localdate().day}. {month} " in two_cases
