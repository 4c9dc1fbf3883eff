"""Default need dimensions: a set for youth welfare, one for SGB II, a default set.

The dimensions follow the life areas used in outcome-oriented help planning
(e.g. the WIMES procedure in youth welfare, the four-phase model's profiling
in SGB II); organisations can change or extend them.
"""

from django.db import migrations

DEFAULT = [
    ("living", "Wohnen", "Wohnsituation, Sicherheit der Unterkunft"),
    ("finances", "Finanzen", "Einkommen, Schulden, Umgang mit Geld"),
    ("health", "Gesundheit", "körperliche und psychische Gesundheit, Sucht"),
    ("relationships", "Familie und Beziehungen", "Beziehungen, Konflikte, Unterstützung"),
    ("daily_life", "Alltagsbewältigung", "Tagesstruktur, Haushalt, Selbstorganisation"),
    ("participation", "Soziale Teilhabe", "Kontakte, Freizeit, Teilhabe im Sozialraum"),
]
YOUTH = [
    ("child_protection", "Schutz und Sicherheit des Kindes", "Gefährdungsrisiken"),
    ("parenting", "Erziehungskompetenz", "Versorgung, Förderung, Grenzen setzen"),
    ("development", "Entwicklung des jungen Menschen", "Entwicklungsstand, Verhalten"),
    ("school", "Schule und Ausbildung", "Schulbesuch, Leistungen, Übergänge"),
    ("family_relations", "Familienbeziehungen", "Bindung, Kommunikation, Konflikte"),
    ("social_skills", "Soziale Kompetenzen", "Umgang mit anderen, Konfliktlösung"),
]
JOB_SEEKERS = [
    ("employability", "Beschäftigungsfähigkeit", "Belastbarkeit, Arbeitsgewohnheiten"),
    ("qualification", "Qualifikation", "Schul- und Berufsabschlüsse, Sprache"),
    ("health_jobs", "Gesundheit", "Einschränkungen für die Arbeitsaufnahme"),
    ("debts", "Finanzen und Schulden", "Schuldenlage, Pfändungen"),
    ("housing", "Wohnen", "Wohnsituation, drohender Wohnungsverlust"),
    ("care_duties", "Betreuungspflichten", "Kinderbetreuung, Pflege von Angehörigen"),
    ("mobility", "Mobilität", "Führerschein, Erreichbarkeit von Arbeitsorten"),
    ("motivation", "Motivation und Eigeninitiative", "Ziele, Eigenbemühungen"),
]


def create(apps, schema_editor):
    NeedDimension = apps.get_model("cases", "NeedDimension")
    order = 0
    for code_book, group in (("", DEFAULT), ("SGB VIII", YOUTH), ("SGB II", JOB_SEEKERS)):
        for key, name, description in group:
            order += 10
            NeedDimension.objects.update_or_create(
                key=key,
                defaults={
                    "name": name,
                    "description": description,
                    "code_book": code_book,
                    "order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
