"""The fictional district: organisations, teams, service types, offers and logins.

Landkreis Wesertal (Niedersachsen) with its Jugendamt and its Jobcenter as a
zugelassener kommunaler Träger, nine providers, a benchlearning network with
the neighbouring Landkreis Auetal. All names are invented.
"""

from dataclasses import dataclass, field

DEMO_PASSWORD = "Demo-Dialoq-2026"  # noqa: S105 - published on purpose

YOUTH_OFFICE = "jugendamt"
JOBCENTER = "jobcenter"
NEIGHBOUR = "jugendamt-auetal"
NETWORK = "vergleichsring"


@dataclass(frozen=True)
class ServiceTypeSpec:
    key: str
    name: str
    legal_basis: str
    code_book: str
    category: str
    setting: str
    goals: str  # key of the goal titles in GOAL_TITLES


SERVICE_TYPES = (
    ServiceTypeSpec(
        "hze-27-flexibel",
        "Flexible Hilfe zur Erziehung",
        "§ 27 Abs. 2 SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "family",
    ),
    ServiceTypeSpec(
        "hze-29-gruppenarbeit",
        "Soziale Gruppenarbeit",
        "§ 29 SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "young_person",
    ),
    ServiceTypeSpec(
        "hze-30-erziehungsbeistand",
        "Erziehungsbeistand, Betreuungshelfer",
        "§ 30 SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "young_person",
    ),
    ServiceTypeSpec(
        "hze-31-spfh",
        "Sozialpädagogische Familienhilfe",
        "§ 31 SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "family",
    ),
    ServiceTypeSpec(
        "hze-32-tagesgruppe",
        "Erziehung in einer Tagesgruppe",
        "§ 32 SGB VIII",
        "SGB VIII",
        "personal_service",
        "semi_residential",
        "child",
    ),
    ServiceTypeSpec(
        "hze-33-vollzeitpflege",
        "Vollzeitpflege",
        "§ 33 SGB VIII",
        "SGB VIII",
        "personal_service",
        "residential",
        "foster_care",
    ),
    ServiceTypeSpec(
        "hze-34-heimerziehung",
        "Heimerziehung, sonstige betreute Wohnform",
        "§ 34 SGB VIII",
        "SGB VIII",
        "personal_service",
        "residential",
        "residential",
    ),
    ServiceTypeSpec(
        "hze-35-ise",
        "Intensive sozialpädagogische Einzelbetreuung",
        "§ 35 SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "young_person",
    ),
    ServiceTypeSpec(
        "eh-35a-ambulant",
        "Eingliederungshilfe bei seelischer Behinderung, ambulant",
        "§ 35a SGB VIII",
        "SGB VIII",
        "personal_service",
        "ambulant",
        "integration_assistance",
    ),
    ServiceTypeSpec(
        "eh-35a-stationaer",
        "Eingliederungshilfe bei seelischer Behinderung, stationär",
        "§ 35a SGB VIII",
        "SGB VIII",
        "personal_service",
        "residential",
        "residential",
    ),
    ServiceTypeSpec(
        "sgb2-16-aktivierung",
        "Maßnahme zur Aktivierung und beruflichen Eingliederung",
        "§ 16 Abs. 1 SGB II i. V. m. § 45 SGB III",
        "SGB II",
        "labour_market_service",
        "ambulant",
        "activation",
    ),
    ServiceTypeSpec(
        "sgb2-16a-schuldnerberatung",
        "Schuldnerberatung",
        "§ 16a Nr. 2 SGB II",
        "SGB II",
        "personal_service",
        "ambulant",
        "debt",
    ),
    ServiceTypeSpec(
        "sgb2-16a-psychosozial",
        "Psychosoziale Betreuung",
        "§ 16a Nr. 3 SGB II",
        "SGB II",
        "personal_service",
        "ambulant",
        "stabilisation",
    ),
    ServiceTypeSpec(
        "sgb2-16a-suchtberatung",
        "Suchtberatung",
        "§ 16a Nr. 4 SGB II",
        "SGB II",
        "personal_service",
        "ambulant",
        "addiction",
    ),
    ServiceTypeSpec(
        "sgb2-16d-agh",
        "Arbeitsgelegenheit mit Mehraufwandsentschädigung",
        "§ 16d SGB II",
        "SGB II",
        "labour_market_service",
        "ambulant",
        "employment",
    ),
    ServiceTypeSpec(
        "sgb2-16e",
        "Eingliederung von Langzeitarbeitslosen, beschäftigungsbegleitendes Coaching",
        "§ 16e SGB II",
        "SGB II",
        "labour_market_service",
        "ambulant",
        "employment",
    ),
    ServiceTypeSpec(
        "sgb2-16h",
        "Förderung schwer zu erreichender junger Menschen",
        "§ 16h SGB II",
        "SGB II",
        "personal_service",
        "ambulant",
        "young_adult",
    ),
    ServiceTypeSpec(
        "sgb2-16i",
        "Teilhabe am Arbeitsmarkt, beschäftigungsbegleitendes Coaching",
        "§ 16i SGB II",
        "SGB II",
        "labour_market_service",
        "ambulant",
        "employment",
    ),
    ServiceTypeSpec(
        "sgb2-16k",
        "Ganzheitliche Betreuung",
        "§ 16k SGB II",
        "SGB II",
        "personal_service",
        "ambulant",
        "stabilisation",
    ),
)


@dataclass(frozen=True)
class UnitSpec:
    name: str
    services: tuple[str, ...] = ()  # service types whose cases this team handles
    kind: str = "team"
    parent: str = ""
    qualification: str = "ambulant"  # key into calibration.QUALIFICATIONS


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    kind: str
    name: str
    short_name: str
    funder_type: str = ""
    units: tuple[UnitSpec, ...] = ()
    size: float = 1.0  # relative market share of a provider [A]
    networks: tuple[str, ...] = field(default=())

    def services(self) -> set[str]:
        """Return the service types this organisation offers."""
        return {key for unit in self.units for key in unit.services}


_YOUTH = tuple(s.key for s in SERVICE_TYPES if s.code_book == "SGB VIII")
_OTHER_HZE = tuple(
    key
    for key in _YOUTH
    if key not in {"hze-33-vollzeitpflege", "eh-35a-ambulant", "eh-35a-stationaer"}
)
_SGB2 = tuple(s.key for s in SERVICE_TYPES if s.code_book == "SGB II")

ASD_NORTH = "ASD Region Nord (Hollenbrück)"
ASD_MIDDLE = "ASD Region Mitte (Weserstadt)"
ASD_SOUTH = "ASD Region Süd (Bad Auenfeld)"
FOSTER_CARE_SERVICE = "Pflegekinderdienst"
SECTION_35A_TEAM = "Eingliederungshilfe für junge Menschen (§ 35a)"
JOBCENTER_U25 = "Fallmanagement U25"
JOBCENTER_NORTH = "Fallmanagement Nord"
JOBCENTER_SOUTH = "Fallmanagement Süd"

ORGANISATIONS = (
    OrganisationSpec(
        YOUTH_OFFICE,
        "funder",
        "Landkreis Wesertal – Jugendamt",
        "Jugendamt Wesertal",
        funder_type="youth_office",
        networks=(NETWORK,),
        units=(
            UnitSpec("Allgemeiner Sozialer Dienst", kind="department"),
            UnitSpec(ASD_NORTH, _OTHER_HZE, parent="Allgemeiner Sozialer Dienst"),
            UnitSpec(ASD_MIDDLE, _OTHER_HZE, parent="Allgemeiner Sozialer Dienst"),
            UnitSpec(ASD_SOUTH, _OTHER_HZE, parent="Allgemeiner Sozialer Dienst"),
            UnitSpec(FOSTER_CARE_SERVICE, ("hze-33-vollzeitpflege",)),
            UnitSpec(SECTION_35A_TEAM, ("eh-35a-ambulant", "eh-35a-stationaer")),
            UnitSpec("Jugendhilfeplanung und Qualitätsentwicklung"),
        ),
    ),
    OrganisationSpec(
        JOBCENTER,
        "funder",
        "Jobcenter Landkreis Wesertal (zugelassener kommunaler Träger)",
        "Jobcenter Wesertal",
        funder_type="jobcenter",
        networks=(NETWORK,),
        units=(
            UnitSpec("Markt und Integration", kind="department"),
            UnitSpec(JOBCENTER_U25, _SGB2, parent="Markt und Integration"),
            UnitSpec(JOBCENTER_NORTH, _SGB2, parent="Markt und Integration"),
            UnitSpec(JOBCENTER_SOUTH, _SGB2, parent="Markt und Integration"),
        ),
    ),
    OrganisationSpec(
        NEIGHBOUR,
        "funder",
        "Landkreis Auetal – Jugendamt",
        "Jugendamt Auetal",
        funder_type="youth_office",
        networks=(NETWORK,),
        units=(UnitSpec("Allgemeiner Sozialer Dienst"),),
    ),
    OrganisationSpec(
        NETWORK,
        "network",
        "Vergleichsring Jugendhilfe und Grundsicherung Weserbergland",
        "Vergleichsring Weserbergland",
    ),
    OrganisationSpec(
        "diakonie",
        "provider",
        "Diakonie Wesertal gGmbH",
        "Diakonie Wesertal",
        size=1.3,
        units=(
            UnitSpec(
                "Ambulante Erziehungshilfen Weserstadt",
                (
                    "hze-27-flexibel",
                    "hze-30-erziehungsbeistand",
                    "hze-31-spfh",
                    "hze-35-ise",
                ),
                kind="site",
            ),
            UnitSpec(
                "Wohngruppen Lindenhof",
                ("hze-34-heimerziehung", "eh-35a-stationaer"),
                kind="site",
                qualification="residential",
            ),
            UnitSpec(
                "Schuldner- und Insolvenzberatung",
                ("sgb2-16a-schuldnerberatung",),
                qualification="labour_market",
            ),
        ),
    ),
    OrganisationSpec(
        "awo",
        "provider",
        "AWO Kreisverband Wesertal e.V.",
        "AWO Wesertal",
        size=1.2,
        units=(
            UnitSpec(
                "Familienhilfe Hollenbrück",
                ("hze-27-flexibel", "hze-30-erziehungsbeistand", "hze-31-spfh"),
                kind="site",
            ),
            UnitSpec(
                "Soziale Gruppenarbeit und Lerntherapie",
                ("hze-29-gruppenarbeit", "eh-35a-ambulant"),
            ),
            UnitSpec(
                "Jugendberufshilfe",
                ("sgb2-16h", "sgb2-16a-psychosozial"),
                qualification="labour_market",
            ),
        ),
    ),
    OrganisationSpec(
        "caritas",
        "provider",
        "Caritasverband für den Landkreis Wesertal e.V.",
        "Caritas Wesertal",
        units=(
            UnitSpec(
                "Familienzentrum St. Marien",
                ("hze-27-flexibel", "hze-31-spfh"),
                kind="site",
            ),
            UnitSpec(
                "Fachdienst Pflegefamilien und Erziehungsstellen",
                ("hze-33-vollzeitpflege",),
            ),
            UnitSpec(
                "Fachambulanz Sucht",
                ("sgb2-16a-suchtberatung",),
                qualification="labour_market",
            ),
        ),
    ),
    OrganisationSpec(
        "sonnenhof",
        "provider",
        "Jugendhilfe Sonnenhof e.V.",
        "Sonnenhof",
        units=(
            UnitSpec(
                "Wohngruppen Sonnenhof",
                ("hze-34-heimerziehung", "eh-35a-stationaer"),
                kind="site",
                qualification="residential",
            ),
            UnitSpec("Tagesgruppe Eichhausen", ("hze-32-tagesgruppe",), kind="site"),
            UnitSpec(
                "Verselbstständigung und Betreutes Wohnen",
                ("hze-34-heimerziehung", "hze-35-ise"),
                qualification="residential",
            ),
            UnitSpec("Erziehungsstellen", ("hze-33-vollzeitpflege",)),
        ),
    ),
    OrganisationSpec(
        "weserbogen",
        "provider",
        "Weserbogen Kinder- und Jugendhilfe GmbH",
        "Weserbogen",
        size=0.6,
        units=(
            UnitSpec(
                "Intensivpädagogische Wohngruppe Ostersode",
                ("hze-34-heimerziehung", "hze-35-ise"),
                kind="site",
                qualification="residential",
            ),
            UnitSpec(
                "Ambulante Dienste",
                ("hze-30-erziehungsbeistand", "hze-31-spfh"),
            ),
        ),
    ),
    OrganisationSpec(
        "lebenshilfe",
        "provider",
        "Lebenshilfe Wesertal gGmbH",
        "Lebenshilfe Wesertal",
        size=0.8,
        units=(
            UnitSpec("Schulbegleitung und Integrationshilfen", ("eh-35a-ambulant",)),
            UnitSpec(
                "Heilpädagogische Tagesgruppe",
                ("hze-32-tagesgruppe", "eh-35a-ambulant"),
                kind="site",
            ),
        ),
    ),
    OrganisationSpec(
        "drk",
        "provider",
        "DRK-Kreisverband Wesertal e.V.",
        "DRK Wesertal",
        size=0.8,
        units=(
            UnitSpec(
                "Familien- und Erziehungshilfe",
                ("hze-29-gruppenarbeit", "hze-30-erziehungsbeistand", "hze-31-spfh"),
            ),
            UnitSpec(
                "Psychosoziale Beratung",
                ("sgb2-16a-psychosozial", "sgb2-16k"),
                qualification="labour_market",
            ),
        ),
    ),
    OrganisationSpec(
        "bildungswerk",
        "provider",
        "Bildungswerk Weserbergland gGmbH",
        "Bildungswerk Weserbergland",
        size=1.4,
        units=(
            UnitSpec(
                "Aktivierungszentrum Weserstadt",
                ("sgb2-16-aktivierung",),
                kind="site",
                qualification="labour_market",
            ),
            UnitSpec(
                "Coaching und ganzheitliche Betreuung",
                ("sgb2-16k", "sgb2-16i", "sgb2-16e"),
                qualification="labour_market",
            ),
            UnitSpec(
                "Jugendwerkstatt",
                ("sgb2-16h", "sgb2-16d-agh"),
                kind="site",
                qualification="labour_market",
            ),
        ),
    ),
    OrganisationSpec(
        "neue-arbeit",
        "provider",
        "Neue Arbeit Wesertal gGmbH",
        "Neue Arbeit Wesertal",
        units=(
            UnitSpec(
                "Werkhof und Sozialkaufhaus",
                ("sgb2-16d-agh",),
                kind="site",
                qualification="labour_market",
            ),
            UnitSpec(
                "Beschäftigungscoaching",
                ("sgb2-16e", "sgb2-16i", "sgb2-16-aktivierung"),
                qualification="labour_market",
            ),
        ),
    ),
)

ORGANISATIONS_BY_KEY = {spec.key: spec for spec in ORGANISATIONS}
PROVIDERS = tuple(spec for spec in ORGANISATIONS if spec.kind == "provider")

# Share of the Jugendamt's general HzE cases per ASD region [A].
ASD_REGION_SHARES = {ASD_NORTH: 0.30, ASD_MIDDLE: 0.40, ASD_SOUTH: 0.30}
# Jobcenter: under-25s go to U25, the others split by region [A].
JOBCENTER_REGION_SHARES = {JOBCENTER_NORTH: 0.5, JOBCENTER_SOUTH: 0.5}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str
    organisation: str  # key into ORGANISATIONS_BY_KEY
    first_name: str
    last_name: str
    unit: str = ""
    reason: str = ""  # the mandate of an auditor
    valid_days: int | None = None  # an auditor's access ends after this many days

    @property
    def password(self) -> str:
        """Return the shared demo password."""
        return DEMO_PASSWORD


LOGINS = (
    DemoLogin(
        "fallmanagerin.ja",
        "case_manager",
        "Fallführende Fachkraft (ASD)",
        YOUTH_OFFICE,
        "Katrin",
        "Vogel",
        unit=ASD_MIDDLE,
    ),
    DemoLogin(
        "fallmanager.jc",
        "case_manager",
        "Fallmanager (Jobcenter)",
        JOBCENTER,
        "Murat",
        "Yılmaz",
        unit=JOBCENTER_NORTH,
    ),
    DemoLogin(
        "fachkraft.diakonie",
        "caseworker",
        "Fachkraft (Leistungserbringer)",
        "diakonie",
        "Jonas",
        "Hartmann",
        unit="Ambulante Erziehungshilfen Weserstadt",
    ),
    DemoLogin(
        "fachkraft.awo",
        "caseworker",
        "Fachkraft (Leistungserbringer)",
        "awo",
        "Sabine",
        "Krüger",
        unit="Familienhilfe Hollenbrück",
    ),
    DemoLogin(
        "fachkraft.bildungswerk",
        "caseworker",
        "Fachkraft (Bildungsträger)",
        "bildungswerk",
        "Anja",
        "Lorenz",
        unit="Coaching und ganzheitliche Betreuung",
    ),
    DemoLogin(
        "qm.jugendamt",
        "qm_officer",
        "Qualitätsentwicklung (Jugendamt)",
        YOUTH_OFFICE,
        "Thomas",
        "Brandt",
    ),
    DemoLogin(
        "qm.diakonie",
        "qm_officer",
        "Qualitätsmanagement (Träger)",
        "diakonie",
        "Miriam",
        "Albers",
    ),
    DemoLogin(
        "leitung.jugendamt",
        "manager",
        "Leitung Jugendamt",
        YOUTH_OFFICE,
        "Andrea",
        "Meißner",
    ),
    DemoLogin(
        "leitung.jobcenter",
        "manager",
        "Leitung Jobcenter",
        JOBCENTER,
        "Frank",
        "Behrens",
    ),
    DemoLogin(
        "leitung.diakonie",
        "manager",
        "Geschäftsführung (Träger)",
        "diakonie",
        "Stefan",
        "Wolters",
    ),
    DemoLogin(
        "ausschuss",
        "committee_viewer",
        "Mitglied Jugendhilfeausschuss",
        YOUTH_OFFICE,
        "Gisela",
        "Ahrens",
    ),
    DemoLogin(
        "pruefer",
        "auditor",
        "Prüfer (Rechnungsprüfungsamt, befristet)",
        YOUTH_OFFICE,
        "Bernd",
        "Kuhlmann",
        reason="Prüfung der Hilfeplanverfahren nach § 36 SGB VIII durch das "
        "Rechnungsprüfungsamt des Landkreises (Prüfauftrag RPA 2026/07)",
        valid_days=90,
    ),
    DemoLogin(
        "netzwerk",
        "network_coordinator",
        "Koordination Vergleichsring",
        NETWORK,
        "Claudia",
        "Seidel",
    ),
    DemoLogin(
        "admin",
        "platform_admin",
        "Plattform-Administration",
        YOUTH_OFFICE,
        "Dirk",
        "Niemeyer",
    ),
)

# Who takes part in a help plan meeting, by role (never names of third parties):
# the professionals (Jugendamt, Jobcenter), then the family for children under
# 12, adolescents, young adults and SGB II participants; the last person listed
# is the beneficiary, present only if they took part.
PLAN_PROFESSIONALS = (
    ("Fallführende Fachkraft des Jugendamts", "Fachkraft des Leistungserbringers"),
    ("Fallmanager/in des Jobcenters", "Fachkraft des Trägers"),
)
PLAN_PERSONS = (
    ("Personensorgeberechtigte", "Kind"),
    ("Personensorgeberechtigte", "Jugendliche/r"),
    ("Junge/r Volljährige/r",),
    ("Leistungsberechtigte/r",),
)

# Staff names (common German first and last names).
FEMALE_FIRST_NAMES = (
    "Anna",
    "Christina",
    "Claudia",
    "Daniela",
    "Eva",
    "Franziska",
    "Hannah",
    "Heike",
    "Ines",
    "Jana",
    "Julia",
    "Karin",
    "Katharina",
    "Laura",
    "Lena",
    "Lisa",
    "Maria",
    "Melanie",
    "Nadine",
    "Nicole",
    "Petra",
    "Sandra",
    "Sarah",
    "Silke",
    "Simone",
    "Sophie",
    "Stefanie",
    "Susanne",
    "Tanja",
    "Ulrike",
    "Vanessa",
    "Yvonne",
    "Aylin",
    "Elif",
    "Marta",
    "Olga",
)
MALE_FIRST_NAMES = (
    "Alexander",
    "Andreas",
    "Benjamin",
    "Christian",
    "Daniel",
    "David",
    "Dennis",
    "Florian",
    "Jan",
    "Jens",
    "Kai",
    "Lukas",
    "Markus",
    "Martin",
    "Matthias",
    "Michael",
    "Niklas",
    "Oliver",
    "Patrick",
    "Philipp",
    "Sebastian",
    "Stefan",
    "Sven",
    "Tim",
    "Tobias",
    "Uwe",
    "Emre",
    "Piotr",
)
LAST_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Ludwig",
    "Böhm",
    "Brinkmann",
    "Janssen",
    "Ahrens",
    "Bruns",
    "Eilers",
    "Gerdes",
    "Hinrichs",
    "Kruse",
    "Lüdemann",
    "Oltmanns",
    "Rohlfs",
    "Tiedemann",
    "Kowalski",
    "Nowak",
    "Demir",
    "Yıldız",
    "Petrović",
)

# Goal titles by kind of help, in the words German help plans use.
GOAL_TITLES = {
    "family": (
        "Verlässliche Tagesstruktur für die Kinder",
        "Regelmäßiger Kita- und Schulbesuch der Kinder",
        "Erziehungskompetenz der Mutter stärken",
        "Konflikte in der Familie gewaltfrei lösen",
        "Haushaltsführung und Umgang mit Geld",
        "Gesundheitsvorsorge der Kinder sichern (U-Untersuchungen)",
        "Anbindung an Kita, Schule und Beratungsstellen",
        "Stabile Wohnsituation",
        "Klare Regeln und Grenzen im Familienalltag",
        "Eltern nehmen Termine mit Ämtern selbstständig wahr",
    ),
    "young_person": (
        "Tagesstruktur mit regelmäßigem Schulbesuch",
        "Schulabschluss erreichen",
        "Konflikte ohne Gewalt lösen",
        "Verlässliche Absprachen mit den Eltern einhalten",
        "Freizeit sinnvoll gestalten, Anbindung an einen Verein",
        "Kein Konsum von Suchtmitteln",
        "Berufliche Perspektive entwickeln (Praktikum)",
        "Straftaten vermeiden, Auflagen erfüllen",
        "Selbstwertgefühl stärken",
    ),
    "child": (
        "Hausaufgaben selbstständig erledigen",
        "Regelmäßiger Schulbesuch ohne Fehlzeiten",
        "Soziales Verhalten in der Gruppe verbessern",
        "Wutausbrüche reduzieren",
        "Eltern in der Erziehung entlasten und anleiten",
        "Freundschaften zu Gleichaltrigen aufbauen",
        "Sprachliche Entwicklung fördern",
        "Rückkehr in die Regelschule vorbereiten",
    ),
    "foster_care": (
        "Sicheres Ankommen in der Pflegefamilie",
        "Kontakte zur Herkunftsfamilie gestalten",
        "Entwicklungsrückstände aufholen",
        "Stabile Bindung zu den Pflegeeltern",
        "Regelmäßiger Kita- und Schulbesuch",
        "Gesundheitliche Versorgung sichern",
        "Perspektive klären (Rückführung oder Verbleib)",
    ),
    "residential": (
        "Tagesstruktur mit regelmäßigem Schulbesuch",
        "Rückkehr in die Familie vorbereiten",
        "Kontakt zu den Eltern stabilisieren",
        "Selbstständigkeit im Alltag (Kochen, Wäsche, Geld)",
        "Schulabschluss erreichen",
        "Ausbildungsplatz finden",
        "Verselbstständigung in eigene Wohnung",
        "Regeln der Wohngruppe einhalten",
        "Therapeutische Anbindung sichern",
        "Kein Konsum von Suchtmitteln",
    ),
    "integration_assistance": (
        "Teilnahme am Unterricht ohne Unterbrechungen",
        "Soziale Teilhabe in der Klasse",
        "Ängste im Schulalltag reduzieren",
        "Konzentration und Lernverhalten verbessern",
        "Lese- und Rechtschreibkompetenz verbessern",
        "Therapeutische Behandlung fortführen",
        "Selbstständigkeit auf dem Schulweg",
        "Freizeitkontakte zu Gleichaltrigen",
    ),
    "activation": (
        "Bewerbungsunterlagen erstellen",
        "Berufliche Ziele klären",
        "Regelmäßige Teilnahme an der Maßnahme",
        "Fünf Bewerbungen im Monat",
        "Praktikum in einem Betrieb",
        "Deutschkenntnisse für den Beruf verbessern",
        "Vorstellungsgespräche üben",
        "Kinderbetreuung organisieren",
    ),
    "debt": (
        "Schulden regulieren",
        "Überblick über Einnahmen und Ausgaben",
        "Pfändungsschutzkonto einrichten",
        "Verbraucherinsolvenz vorbereiten",
        "Keine neuen Schulden",
        "Energieschulden abwenden",
        "Mietschulden abbauen, Wohnung sichern",
    ),
    "stabilisation": (
        "Stabile Wohnsituation",
        "Tagesstruktur aufbauen",
        "Gesundheitliche Situation klären",
        "Termine beim Jobcenter zuverlässig wahrnehmen",
        "Anbindung an Fachdienste (Beratung, Therapie)",
        "Soziale Kontakte stärken",
        "Post und Behördenangelegenheiten selbst erledigen",
        "Belastbarkeit für Arbeit steigern",
    ),
    "addiction": (
        "Konsum reduzieren",
        "Abstinenz stabilisieren",
        "Entgiftung und Therapie beginnen",
        "Tagesstruktur aufbauen",
        "Anbindung an eine Selbsthilfegruppe",
        "Rückfallprävention",
        "Stabile Wohnsituation",
    ),
    "employment": (
        "Zuverlässige Arbeitszeiten einhalten",
        "Belastbarkeit für Arbeit steigern",
        "Fachliche Kenntnisse erweitern",
        "Arbeitsverhältnis stabilisieren",
        "Übergang in ungeförderte Beschäftigung",
        "Konflikte am Arbeitsplatz klären",
        "Führerschein erwerben",
        "Kinderbetreuung organisieren",
    ),
    "young_adult": (
        "Kontakt zum Jobcenter wieder aufnehmen",
        "Stabile Wohnsituation",
        "Schulabschluss nachholen",
        "Ausbildungsplatz finden",
        "Tagesstruktur aufbauen",
        "Schulden regulieren",
        "Anbindung an Beratungsstellen",
    ),
}
