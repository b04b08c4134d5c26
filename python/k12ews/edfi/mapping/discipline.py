"""Behaviour incidents: DisciplineIncidents, StudentDisciplineIncidentBehaviorAssociations
and DisciplineActions, one contract row per incident and student.

The behaviour is the student's association's BehaviorDescriptor (the most severe of
several, seed xwalk_behaviour_categories); the action is the DisciplineDescriptor of the
DisciplineActions that name the student's association (the most serious of several:
an expulsion, then an out-of-school suspension, an in-school suspension, a removal from
class, anything else, by seed xwalk_discipline_actions); the days removed the sum of
those actions' actualDisciplineActionLength (unknown when none is sent); without an
action the incident counts and its consequence is unknown.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    date,
    descriptor,
    item_descriptor,
    items,
    ref,
    school_year_of,
    text,
)


def _severity(m: Mapping, code: str | None) -> int:
    row = m.codes.meaning("xwalk_behaviour_categories", code)
    return int(row["severity"]) if row and row["severity"] else 0


def _seriousness(m: Mapping, code: str | None) -> int:
    row = m.codes.meaning("xwalk_discipline_actions", code)
    if row is None:
        return 0
    flags = (
        "is_expulsion",
        "is_out_of_school_suspension",
        "is_in_school_suspension",
        "removes_from_class",
    )
    for rank, name in enumerate(flags):
        if row[name].lower() == "true":
            return len(flags) - rank + 1
    return 1


def _days_removed(lengths: list[object]) -> object:
    """The sum of the actions' lengths; None when none is sent; a length that is not a
    number is passed on as sent, so the loader rejects the row at its record."""
    total = 0.0
    sent = [x for x in lengths if x is not None]
    for x in sent:
        try:
            total += float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return text(x)
    return total if sent else None


def map_discipline(m: Mapping) -> None:
    incidents = {
        (
            str(r.data.get("incidentIdentifier")),
            str(ref(r.data, "schoolReference").get("schoolId")),
        ): r
        for r in m.extract.of("disciplineIncidents")
    }
    actions: dict[tuple[str, str, str], list[dict]] = {}
    for r in m.extract.of("disciplineActions"):
        for link in items(
            r.data,
            "studentDisciplineIncidentBehaviorAssociations",
            "studentDisciplineIncidentBehaviorAssociation",
        ):
            if not isinstance(link, dict):  # not a reference: names no student
                continue
            assoc = ref(link, "studentDisciplineIncidentBehaviorAssociationReference") or link
            key = (
                str(assoc.get("incidentIdentifier")),
                str(assoc.get("schoolId")),
                str(assoc.get("studentUniqueId") or student_of(r)),
            )
            actions.setdefault(key, []).append(r.data)
    rows: dict[tuple[str, str, str], dict[str, object]] = {}
    wheres: dict[tuple[str, str, str], str] = {}
    identifiers: dict[str, set[str]] = {}
    for r in m.extract.of("studentDisciplineIncidentBehaviorAssociations"):
        d = r.data
        inc = ref(d, "disciplineIncidentReference")
        key = (str(inc.get("incidentIdentifier")), str(inc.get("schoolId")), str(student_of(r)))
        identifiers.setdefault(key[0], set()).add(key[1])
        behaviour = m.codes.resolve("xwalk_behaviour_categories", descriptor(d, "behavior"))
        row = rows.get(key)
        if row is not None:
            if _severity(m, behaviour) > _severity(m, row["behavior_category"]):  # type: ignore[arg-type]
                row["behavior_category"] = behaviour
            continue
        incident = incidents.get(key[:2])
        day = date(incident.data.get("incidentDate")) if incident else None
        taken = actions.get(key, [])
        disciplines = [
            m.codes.resolve("xwalk_discipline_actions", item_descriptor(x, "discipline"))
            for a in taken
            for x in items(a, "disciplines", "discipline")
        ]
        lengths = [a.get("actualDisciplineActionLength") for a in taken]
        rows[key] = {
            "incident_id": key[0],
            "student_id": key[2],
            "school_id": key[1],
            "school_year": school_year_of(day),
            "incident_date": day,
            "behavior_category": behaviour,
            "action": max(disciplines, key=lambda c: _seriousness(m, c)) if disciplines else None,
            "days_removed": _days_removed(lengths),
        }
        wheres[key] = r.where
    shared = {i for i, schools in identifiers.items() if len(schools) > 1}
    for key, row in rows.items():
        if key[0] in shared:  # an identifier two schools use: made unique by the school
            row["incident_id"] = f"{key[1]}-{key[0]}"
        if m.outside_k12(row["student_id"], row["school_id"], row["school_year"]):  # type: ignore[arg-type]
            continue
        m.out.add("discipline_incidents", row, wheres[key])
