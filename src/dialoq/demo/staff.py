"""The district's staff: the demo logins and each team's people, created in bulk."""

import unicodedata
from datetime import datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from dialoq.accounts.models import Membership, User
from dialoq.demo import calibration as cal
from dialoq.demo import district, generator, providers


class Staff:
    """User ids of each team's case managers and caseworkers, logins first."""

    def __init__(self, managers, manager_teams, workers, worker_teams, headcount):
        self.managers = managers  # user ids, team after team
        self.manager_first = np.concatenate(([0], np.cumsum(manager_teams)[:-1]))
        self.workers = workers
        self.worker_first = np.concatenate(([0], np.cumsum(worker_teams)[:-1]))
        self.headcount = headcount

    def case_managers(self, team, position):
        """Return the user ids of case managers given by team and position."""
        return self.managers[self.manager_first[team] + position]

    def caseworkers(self, team, position):
        """Return the user ids of caseworkers given by team and position."""
        return self.workers[self.worker_first[team] + position]


def create_staff(rng, ids, managers, workers, today) -> Staff:
    """Create the demo logins and the teams' staff, all with the demo password."""
    password = make_password(district.DEMO_PASSWORD)
    hired = _aware(today - timedelta(days=4 * 365))
    people = People(rng, password, hired)

    logins = {}
    for login in district.LOGINS:
        user = people.add(login.first_name, login.last_name, login.username)
        logins[login.role, login.organisation, login.unit] = user
        organisation = ids.organisations[login.organisation]
        valid_from, valid_until = hired, None
        if login.valid_days:
            valid_from = _aware(today - timedelta(days=7))
            valid_until = _aware(today + timedelta(days=login.valid_days), 23, 59)
        people.member(
            user,
            organisation,
            login.role,
            unit=ids.units[login.organisation, login.unit] if login.unit else None,
            qualification=_qualification_key(login.organisation, login.unit),
            valid_from=valid_from,
            valid_until=valid_until,
            reason=login.reason,
        )
    for spec in district.ORGANISATIONS:
        if spec.kind != "network" and ("manager", spec.key, "") not in logins:
            people.member(
                people.add(), ids.organisations[spec.key], "manager", qualification=""
            )

    teams = []
    for role, team_units, sizes in (
        ("case_manager", generator.FUNDER_UNITS, managers),
        ("caseworker", generator.PROVIDER_UNITS, workers),
    ):
        members = []
        for (org_key, unit_name), size in zip(team_units, sizes, strict=True):
            login = logins.get((role, org_key, unit_name))
            team = [login] if login else []
            team += [people.add() for _ in range(size - len(team))]
            for user in team[1 if login else 0 :]:
                people.member(
                    user,
                    ids.organisations[org_key],
                    role,
                    unit=ids.units[org_key, unit_name],
                    qualification=_qualification_key(org_key, unit_name),
                )
            members.extend(team)
        teams.append(members)
    people.save()
    return Staff(
        np.array([user.pk for user in teams[0]]),
        managers,
        np.array([user.pk for user in teams[1]]),
        workers,
        len(people.users),
    )


def _qualification_key(org_key, unit_name):
    spec = district.ORGANISATIONS_BY_KEY[org_key]
    if spec.kind == "funder":
        return spec.funder_type
    if spec.kind != "provider" or not unit_name:
        return ""
    return next(u.qualification for u in spec.units if u.name == unit_name)


class People:
    """Staff to be created in bulk: users with German names and their memberships."""

    def __init__(self, rng, password, hired):
        self.rng = rng
        self.password = password
        self.hired = hired
        self.users = []
        self.memberships = []
        self.usernames = set()

    def add(self, first_name=None, last_name=None, username=None):
        """Return a new (unsaved) user; without names, draw a German name."""
        if first_name is None:
            female = self.rng.random() < cal.FEMALE_STAFF
            names = district.FEMALE_FIRST_NAMES if female else district.MALE_FIRST_NAMES
            first_name = names[self.rng.integers(len(names))]
            last_name = district.LAST_NAMES[self.rng.integers(len(district.LAST_NAMES))]
        if username is None:
            base = _ascii(f"{first_name[0]}.{last_name}").lower()
            username, number = base, 1
            while username in self.usernames:
                number += 1
                username = f"{base}{number}"
        self.usernames.add(username)
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            password=self.password,
            date_joined=self.hired,
        )
        self.users.append(user)
        return user

    def member(self, user, organisation, role, *, qualification, unit=None, **fields):
        """Add a membership with a drawn working time and qualification."""
        fields.setdefault("valid_from", self.hired)
        self.memberships.append(
            Membership(
                user=user,
                organisation=organisation,
                unit=unit,
                role=role,
                full_time_equivalent=self._working_time(),
                qualification=self._qualification(qualification, organisation),
                **fields,
            )
        )

    def save(self):
        User.objects.bulk_create(self.users, batch_size=2000)
        for membership in self.memberships:
            membership.user_id = membership.user.pk
        Membership.objects.bulk_create(self.memberships, batch_size=2000)

    def _working_time(self):
        if self.rng.random() < cal.FULL_TIME_SHARE:
            return Decimal("1.00")
        fractions = list(cal.PART_TIME_FTE)
        weights = list(cal.PART_TIME_FTE.values())
        return Decimal(fractions[self.rng.choice(len(fractions), p=weights)])

    def _qualification(self, key, organisation):
        if not key:
            return ""
        shares = qualification_shares(key, organisation.name)
        names = list(shares)
        return names[self.rng.choice(len(names), p=list(shares.values()))]


def qualification_shares(key, organisation_name):
    """Return the qualification shares of a team, moved by its provider's effect.

    A provider's ``qualified`` shift moves that share from the vocational
    qualification to the degrees (or back, if negative), in proportion.
    """
    shares = dict(cal.QUALIFICATIONS[key])
    spec = next(s for s in district.ORGANISATIONS if s.name == organisation_name)
    shift = providers.effect(spec.key).qualified
    if not shift or "vocational" not in shares:
        return shares
    degrees = [name for name in shares if name.endswith("_degree")]
    total = sum(shares[name] for name in degrees)
    shift = min(max(shift, -total), shares["vocational"])
    for name in degrees:
        shares[name] *= (total + shift) / total
    shares["vocational"] -= shift
    return shares


def _ascii(text):
    text = text.replace("ß", "ss").replace("ı", "i")
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled).replace(umlaut.upper(), spelled.title())
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _aware(day, hour=0, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
