"""Record the writes the fact snapshot has to take in (``FactChange``).

Every save and delete of a record that a fact is read from adds a
``FactChange`` row in the same transaction, so a change rolled back leaves no
trace and a committed one is never missed. ``snapshot.refresh`` reads these
rows, extracts the changed cases again and deletes the rows.

Writes that bypass the model signals (``QuerySet.update``, ``bulk_create``)
must call ``record_cases`` or ``record_everything`` themselves; the demo
loader empties the database, which also empties the snapshot state, so the
snapshot is rebuilt.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save


def _change_model():
    return apps.get_model("measures", "FactChange")


def _snapshot_exists() -> bool:
    # Without a snapshot (or while the first is built, see snapshot._rebuild)
    # there is nothing to keep up to date: it will be built from scratch.
    return apps.get_model("measures", "FactSnapshotState").objects.exists()


def record_cases(case_ids, beneficiary_ids=()) -> None:
    """Record that the facts of these cases (or beneficiaries' cases) changed."""
    if not _snapshot_exists():
        return
    change = _change_model()
    rows = [change(family="case", key=str(case_id)) for case_id in set(case_ids)]
    rows += [
        change(family="case", beneficiary_id=beneficiary_id)
        for beneficiary_id in set(beneficiary_ids)
        if beneficiary_id is not None
    ]
    change.objects.bulk_create(rows)


def record_everything() -> None:
    """Record that the snapshot has to be built again from scratch."""
    if _snapshot_exists():
        _change_model().objects.create(family="everything")


def _record(family, key="", beneficiary_id=None):
    if not _snapshot_exists():
        return
    _change_model().objects.create(
        family=family, key=str(key), beneficiary_id=beneficiary_id
    )


def _case_changed(sender, instance, **kwargs):
    _record("case", instance.pk, instance.beneficiary_id)


def _case_record_changed(sender, instance, **kwargs):
    if instance.case_id is not None:
        _record("case", instance.case_id)


def _goal_changed(sender, instance, **kwargs):
    plan = apps.get_model("cases", "HelpPlan")
    case_id = (
        plan.objects.filter(pk=instance.help_plan_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is not None:  # else the plan, and the case, go as well
        _record("case", case_id)


def _rating_changed(sender, instance, **kwargs):
    review = apps.get_model("cases", "Review")
    case_id = (
        review.objects.filter(pk=instance.review_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is not None:
        _record("case", case_id)


def _need_rating_changed(sender, instance, **kwargs):
    assessment = apps.get_model("cases", "NeedAssessment")
    case_id = (
        assessment.objects.filter(pk=instance.assessment_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is not None:
        _record("case", case_id)


def _survey_changed(sender, instance, **kwargs):
    _record("survey", instance.pk.hex)  # as in the extract: hex digits


def _staff_changed(sender, instance, **kwargs):
    _record("staff")


def _everything_changed(sender, instance, **kwargs):
    _record("everything")


RECEIVERS = (
    ("cases.Case", _case_changed),
    ("cases.Contact", _case_record_changed),
    ("cases.HelpPlan", _case_record_changed),
    ("cases.Review", _case_record_changed),
    ("cases.NeedAssessment", _case_record_changed),
    ("cases.Goal", _goal_changed),
    ("cases.GoalRating", _rating_changed),
    ("cases.NeedRating", _need_rating_changed),
    ("cases.NeedDimension", _everything_changed),
    ("feedback.SurveyResponse", _survey_changed),
    ("accounts.Membership", _staff_changed),
    ("accounts.Organisation", _staff_changed),
)

for _sender, _receiver in RECEIVERS:
    for _signal in (post_save, post_delete):
        _signal.connect(
            _receiver,
            sender=_sender,
            weak=False,
            dispatch_uid=f"measures-facts-{_sender}-{_receiver.__name__}",
        )
