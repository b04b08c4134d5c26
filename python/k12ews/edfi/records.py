"""One Ed-Fi record and the small readers every mapping uses.

A record is a resource as the ODS/API serves it (a JSON object), or an interchange XML
element turned into the same shape (:mod:`k12ews.edfi.xml_source`). The readers accept
both spellings where they differ: a descriptor under ``<name>Descriptor`` (JSON, and XML
whose value is a URI) or ``<name>``; a collection as a list under its plural name or as
a single value; a field inside one group wrapper (XML's ``AttendanceEvent``); a school
year as 2022 or as "2021-2022".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from k12ews.load import rules

Data = dict[str, Any]


@dataclass(frozen=True)
class Record:
    resource: str  # the API resource name, e.g. studentSchoolAssociations
    data: Data
    where: str  # file and record (JSON), line (NDJSON) or element line (XML)


def find(data: Data, name: str) -> Any:
    """``data[name]``, or the same field inside one group wrapper of ``data``."""
    value = data.get(name)
    if value is not None:
        return value
    for key, nested in data.items():
        if isinstance(nested, dict) and not key.endswith("Reference"):
            inner = nested.get(name)
            if inner is not None:
                return inner
    return None


def ref(data: Data, name: str) -> Data:
    """A reference object (``studentReference``): its key fields, or an empty dict."""
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def descriptor(data: Data, name: str) -> str | None:
    """The descriptor ``name`` (without its ``Descriptor`` suffix) as sent, or None."""
    for key in (name + "Descriptor", name):
        value = find(data, key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def items(data: Data, plural: str, singular: str) -> list[Any]:
    """A collection: the list under ``plural``, or the one value under ``singular``
    (or ``<singular>Descriptor``: one XML descriptor element). Nothing when ``data`` is
    not an object (a malformed record loads what it can and the checks judge the rest)."""
    if not isinstance(data, dict):
        return []
    value = data.get(plural)
    if value is None:
        value = data.get(singular)
    if value is None:
        value = data.get(singular + "Descriptor")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def item_descriptor(item: Any, name: str) -> str | None:
    """The descriptor of one collection item (an object, or XML's bare value)."""
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        return descriptor(item, name)
    return None


def text(value: Any) -> str | None:
    """A value as the text a contract file holds (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value).strip() or None


def date(value: Any) -> str | None:
    """The date part of an Ed-Fi date or date-time (``2021-04-20T08:00:00`` -> the day)."""
    t = text(value)
    return t[:10] if t and len(t) >= 10 and t[4] == "-" and t[7] == "-" else t


def school_year(value: Any) -> int | None:
    """A school year named by its spring year: 2022, "2022" or "2021-2022"."""
    t = text(value)
    if t is None:
        return None
    t = t.split("-")[-1]
    return int(t) if t.isdigit() else None


def school_year_of(day: str | None) -> int | None:
    """The school year a date falls in (1 July to 30 June, named by its spring year)."""
    if not day:
        return None
    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        return None
    month, first = rules.SCHOOL_YEAR_START
    return d.year + 1 if (d.month, d.day) >= (month, first) else d.year


def extension(data: Data, name: str) -> Any:
    """A field of the k12ews extension (``_ext.k12ews.<name>``), or None."""
    ext = data.get("_ext")
    if isinstance(ext, dict) and isinstance(ext.get("k12ews"), dict):
        return ext["k12ews"].get(name)
    return None


def code_value(value: str | None) -> str | None:
    """The code value of a descriptor URI (after ``#``), or the value itself."""
    if value is None:
        return None
    return value.rsplit("#", 1)[-1] if "#" in value else value
