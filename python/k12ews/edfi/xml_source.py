"""Read Ed-Fi interchange XML into records of the API's shape.

Interchange files (``InterchangeStudentEnrollment``, ...) hold entity elements
(``StudentSchoolAssociation``, ...) in the Data Standard's XML form. Each entity element
becomes a record of the resource the API serves it as (``studentSchoolAssociations``),
converted by a few rules so that one mapping reads both forms:

- element names become lower camel case (``EntryDate`` -> ``entryDate``);
- a reference (``SchoolReference``) holding an identity (``SchoolIdentity``) becomes an
  object of the identity's fields, nested references' fields included
  (``sessionReference``: ``sessionName``, ``schoolYear``, ``schoolId``), as the API
  writes it; a reference by ``ref`` attribute only is empty (not resolved);
- an element whose value is a descriptor URI gets the ``Descriptor`` suffix the API uses
  (``EntryGradeLevel`` -> ``entryGradeLevelDescriptor``);
- a repeated element becomes a list under its plural name (``GradeLevel`` x 3 ->
  ``gradeLevels``), one occurrence stays under its own name
  (:func:`k12ews.edfi.records.items` reads both).

Each record's place is the file and the line its element starts on.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k12ews.edfi.records import Record


@dataclass
class XmlProblem(Exception):  # noqa: N818
    line: int | None
    message: str


@dataclass
class Interchange:
    records: list[Record] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Node:
    name: str
    line: int
    attrs: dict[str, str]
    children: list[_Node] = field(default_factory=list)
    text: str = ""


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def plural(name: str) -> str:
    """The API's plural of a collection element (Address -> addresses, Category ->
    categories, GradeLevel -> gradeLevels)."""
    if name.endswith("s"):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def resource_of(element: str) -> str:
    """The API resource of an entity element (StudentSchoolAssociation ->
    studentSchoolAssociations)."""
    return plural(_camel(element))


def _identity_fields(node: _Node, out: dict[str, Any]) -> None:
    for child in node.children:
        if child.children:
            _identity_fields(child, out)
        else:
            key = _camel(child.name)
            value = child.text.strip()
            if value.startswith("uri://"):
                key += "Descriptor"
            out.setdefault(key, value)


def _value(node: _Node) -> Any:
    if node.name.endswith("Reference"):
        fields: dict[str, Any] = {}
        _identity_fields(node, fields)
        if not fields and "ref" in node.attrs:
            fields["ref"] = node.attrs["ref"]
        return fields
    if not node.children:
        return node.text.strip()
    out: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for child in node.children:
        counts[child.name] = counts.get(child.name, 0) + 1
    for child in node.children:
        key = _camel(child.name)
        value = _value(child)
        descriptor = isinstance(value, str) and value.startswith("uri://")
        if counts[child.name] > 1:
            item = {key + "Descriptor": value} if descriptor else value
            out.setdefault(plural(key), []).append(item)
        else:
            out[key + "Descriptor" if descriptor else key] = value
    return out


def read_interchange(path: Path) -> Interchange:
    """The entity elements of one interchange file, as records (raises XmlProblem)."""
    parser = xml.parsers.expat.ParserCreate()
    stack: list[_Node] = []
    found = Interchange()
    skipped: dict[str, int] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        node = _Node(local, parser.CurrentLineNumber, attrs)
        if stack:
            stack[-1].children.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        node = stack.pop()
        if len(stack) == 1:  # an entity element under the Interchange root
            data = _value(node)
            if not isinstance(data, dict):
                skipped[node.name] = skipped.get(node.name, 0) + 1
                return
            found.records.append(
                Record(resource_of(node.name), data, f"{path.name} line {node.line}")
            )
            stack[0].children.clear()  # keep memory flat on large files

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        with path.open("rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as e:
        raise XmlProblem(
            e.lineno, f"not well-formed XML: {xml.parsers.expat.errors.messages[e.code]}"
        ) from None
    for name, n in sorted(skipped.items()):
        found.notes.append(f"{path.name}: {n} {name} element(s) without content; not read")
    return found
