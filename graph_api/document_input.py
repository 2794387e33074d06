"""A document written as JSON: the models a curator's JSON is read into (docs/model.md, "Writing a document as JSON").

The shape is the read view's (:func:`graph_api.document_detail.document_detail`, ``GET /documents/{key}``): the same
field names and nesting, plus what a write needs that a page does not show: the evidence of every node and
statement (``evidence``, ``indicatorEvidence``), the statements whose certainty is ``stated`` (``statements``; the
others are the read view's ``uncertainties``), the document fields a page leaves out (``number``, ``shortTitle``,
``term``, ``period``, ``visionYear``, ``declaredPurposeCount``, ``author``, ``appendices``) and the English labels,
measures and unit texts of indicators, targets and tasks. :func:`graph_api.document_edit.document_for_edit` returns
exactly this shape; :func:`graph_api.document_rdf.document_to_rdf` turns it into triples.

Reading is strict: an unknown field is refused with its JSON path, a year must be a JSON integer (not ``"2025"``),
a date must be written ``YYYY-MM-DD``. Every string is brought to Unicode NFC (text pasted from Word or a PDF is
often decomposed); a quote is kept exactly as given apart from that. Decimal values (``value``, ``min``, ``max``)
are JSON numbers or decimal strings, kept in the canonical form the store uses (``8.0`` → ``8``). Fields the read
view computes (``key``, ``recorded``, ``implementedBy``) and the descriptions of related documents are accepted
and ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from graph_api.documents import valid_iri
from graph_api.errors import InvalidDocument
from graph_api.iris import nfc

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def json_path(*parts: str | int) -> str:
    """``$.indicators.targets[2].year`` from ``("indicators", "targets", 2, "year")``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def canonical_decimal(number: Decimal) -> str:
    """The lexical form the store keeps for an ``xsd:decimal``: ``8`` for 8.0, ``7.5`` for 7.50, no exponent."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _iri(value: str) -> str:
    value = nfc(value)
    if not _ABSOLUTE.match(value):
        raise ValueError(f"{value!r} is not an absolute IRI")
    if not valid_iri(value):
        raise ValueError(f"{value!r} is not a valid IRI")
    return value


def _decimal(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number is required, not true or false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("the number must be finite")
        return canonical_decimal(Decimal(repr(value)))
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise ValueError(f"{value!r} is not a decimal number")
        return canonical_decimal(Decimal(value))
    raise ValueError("a number or a decimal string is required")


def check_date(value: str) -> str:
    """``value`` when it is a date written ``YYYY-MM-DD``; ValueError otherwise."""
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


def _group_ref(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, int) and value < 1):
        raise ValueError("a group is its IRI or its 1-based position in the list of groups")
    return _iri(value) if isinstance(value, str) else value


def _fact_value(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("a value is a string (a date, a document's IRI or symbol) or an integer (a count)")
    return nfc(value) if isinstance(value, str) else value


#: Any text: brought to NFC.
Text = Annotated[str, AfterValidator(nfc)]
#: A non-empty text.
NonEmpty = Annotated[str, Field(min_length=1), AfterValidator(nfc)]
#: An absolute IRI (NFC).
Iri = Annotated[str, AfterValidator(_iri)]
#: An ``xsd:decimal`` in canonical lexical form, from a JSON number or a decimal string.
DecimalText = Annotated[str, BeforeValidator(_decimal)]
#: An ``xsd:date``, ``YYYY-MM-DD``.
IsoDate = Annotated[str, AfterValidator(check_date)]
#: A count: a non-negative JSON integer.
Count = Annotated[int, Field(ge=0)]
#: A group of this document: its IRI, or its 1-based position in ``groups``.
GroupRef = Annotated[int | str, BeforeValidator(_group_ref)]
#: The value of a statement: a date, a count, or a related document's IRI or symbol.
FactValue = Annotated[int | str, BeforeValidator(_fact_value)]


class InputModel(BaseModel):
    """Base of the input models: camelCase JSON names, unknown fields refused, no type coercion, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, alias_generator=to_camel)


class EvidenceIn(InputModel):
    """A quote from a source: ``source`` is the ``dh:Source`` IRI, ``quote`` one verbatim clause."""

    source: Iri
    quote: NonEmpty


class RefIn(InputModel):
    """A shared node (agency, post) by ``id``, or by ``label`` (any of its labels); labels given with an id must
    be the node's."""

    id: Iri | None = None
    label: Text | None = None
    label_en: Text | None = None

    @model_validator(mode="after")
    def _named(self) -> RefIn:
        if self.id is None and self.label is None and self.label_en is None:
            raise ValueError("give the id or the label")
        return self


class PersonIn(InputModel):
    """A person by ``id`` or by ``name`` (``foaf:name``)."""

    id: Iri | None = None
    name: Text | None = None

    @model_validator(mode="after")
    def _named(self) -> PersonIn:
        if self.id is None and self.name is None:
            raise ValueError("give the id or the name")
        return self


class SignerIn(PersonIn):
    """Who signed (``dh:signedBy``) and as which post (``dh:signedAs``)."""

    post: RefIn | None = None


class PeriodIn(InputModel):
    start: int | None = None
    end: int | None = None


class NoteIn(InputModel):
    vi: Text | None = None
    en: Text | None = None


class GroupIn(InputModel):
    """An indicator or task group; ``count`` is its ``dh:declaredCount``. Without ``id``, ``{document}/…-group/{n}``."""

    id: Iri | None = None
    label: Text | None = None
    label_en: Text | None = None
    count: Count | None = None
    evidence: list[EvidenceIn] | None = None


class TargetRowIn(InputModel):
    """One row of ``indicators.targets``: an indicator (``indicator``, ``label``, ``labelEn``, ``group``,
    ``indicatorEvidence``) and one of its targets. Rows of one indicator must not contradict each other; a row with
    no target field at all records an indicator that has no target."""

    indicator: Iri | None = None
    label: Text | None = None
    label_en: Text | None = None
    group: GroupRef | None = None
    indicator_evidence: list[EvidenceIn] | None = None
    target: Iri | None = None
    year: int | None = None
    period: PeriodIn | None = None
    value: DecimalText | None = None
    min: DecimalText | None = None
    max: DecimalText | None = None
    unit: Text | None = None
    unit_iri: Iri | None = None
    comparator: Text | None = None
    measure: Text | None = None
    measure_en: Text | None = None
    evidence: list[EvidenceIn] | None = None

    def has_target(self) -> bool:
        """Whether the row gives any field of a target (else it records the indicator alone)."""
        return any(getattr(self, field) is not None for field in _TARGET_FIELDS)


_TARGET_FIELDS = frozenset(TargetRowIn.model_fields) - {
    "indicator",
    "label",
    "label_en",
    "group",
    "indicator_evidence",
}


class TaskIn(InputModel):
    """A task of the document; without ``id`` it is ``{document}/task/{n}`` (rows with the same label are one task)."""

    id: Iri | None = None
    label: Text | None = None
    label_en: Text | None = None
    group: GroupRef | None = None
    evidence: list[EvidenceIn] | None = None


class AssignmentRowIn(InputModel):
    """One row of ``tasks.assignments``: a task and, unless ``agency`` and ``role`` are both absent, one assignment
    of it (``role`` is ``lead``, ``coordinate`` or ``implement``)."""

    assignment: Iri | None = None
    task: TaskIn
    agency: RefIn | None = None
    role: Text | None = None
    evidence: list[EvidenceIn] | None = None

    def is_assignment(self) -> bool:
        """Whether the row gives any field of an assignment (else it records the task alone)."""
        return any(value is not None for value in (self.assignment, self.agency, self.role, self.evidence))


class IndicatorsIn(InputModel):
    declared: Count | None = None
    recorded: Any = None
    groups: list[GroupIn] = []
    targets: list[TargetRowIn] = []


class TasksIn(InputModel):
    declared: Count | None = None
    recorded: Any = None
    groups: list[GroupIn] = []
    assignments: list[AssignmentRowIn] = []


class RelationIn(InputModel):
    """A related document by ``id`` or ``symbol`` (any written form, :mod:`graph_api.resolve`), or a bare string
    (an IRI or a symbol); ``evidence`` gives one supporting statement per quote. The other fields are the read
    view's description of the related document, ignored."""

    id: Iri | None = None
    symbol: Text | None = None
    evidence: list[EvidenceIn] | None = None
    key: Any = None
    type: Any = None
    type_code: Any = None
    title: Any = None
    title_en: Any = None
    issuer: Any = None
    date: Any = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        if isinstance(data, str):
            return {"id": data} if _LINK.match(data.strip()) else {"symbol": data}
        if not isinstance(data, Mapping):
            raise ValueError("a related document is its IRI, its symbol, or an object with its id or symbol")
        return data

    @model_validator(mode="after")
    def _named(self) -> RelationIn:
        if self.id is None and self.symbol is None:
            raise ValueError("give the related document's id or symbol")
        return self


class StatementIn(InputModel):
    """A ``dh:Statement`` about the document: ``property`` (``implements``, ``issueDate``,
    ``declaredIndicatorCount``…), ``value`` (the object; absent when misprinted), ``certainty``, ``asPrinted``,
    ``note`` {vi, en} and the one ``evidence`` it rests on. ``statement`` (the IRI) is minted; a given one must
    agree."""

    statement: Iri | None = None
    property_: Text = Field(alias="property")
    value: FactValue | None = None
    as_printed: Text | None = None
    certainty: Text = "stated"
    note: NoteIn | None = None
    evidence: EvidenceIn | None = None


class AppendixIn(InputModel):
    id: Iri | None = None
    number: NonEmpty
    label: Text | None = None
    label_en: Text | None = None
    evidence: list[EvidenceIn] | None = None


class DocumentIn(InputModel):
    """A document with everything attached to it, as written by a curator (see the module docstring)."""

    id: Iri | None = None
    key: Any = None
    symbol: Text | None = None
    number: Text | None = None
    short_title: Text | None = None
    type: NonEmpty
    type_code: Text | None = None
    title: Text | None = None
    title_en: Text | None = None
    issuer: RefIn | None = None
    date: IsoDate | None = None
    term: Iri | None = None
    period: PeriodIn | None = None
    vision_year: int | None = None
    declared_purpose_count: Count | None = None
    author: PersonIn | None = None
    signed_by: SignerIn | None = None
    indicators: IndicatorsIn = IndicatorsIn()
    tasks: TasksIn = TasksIn()
    implements: list[RelationIn] = []
    based_on: list[RelationIn] = []
    contributes_to: list[RelationIn] = []
    references: list[RelationIn] = []
    establishes: list[RelationIn] = []
    implemented_by: Any = None
    appendices: list[AppendixIn] = []
    sources: list[EvidenceIn] = []
    statements: list[StatementIn] = []
    uncertainties: list[StatementIn] = []
    evidence: EvidenceIn | None = None


#: Messages for the errors of pydantic's own checks, in the JSON's terms rather than Python's.
_MESSAGES: Final = {
    "missing": "required field missing",
    "model_type": "a JSON object is required",
    "dict_type": "a JSON object is required",
    "list_type": "a JSON array is required",
    "string_type": "a string is required",
    "int_type": "an integer is required",
}


def _message(error: Mapping[str, Any]) -> str:
    loc = error.get("loc", ())
    if error["type"] == "extra_forbidden":
        return f"unknown field {loc[-1]!r}" if loc else "unknown field"
    return _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")


def parse_document(payload: object) -> DocumentIn:
    """The document ``payload`` (parsed JSON) describes; :class:`InvalidDocument` lists every error by JSON path."""
    if isinstance(payload, DocumentIn):
        return payload
    if not isinstance(payload, Mapping):
        raise InvalidDocument([("$", "a document is a JSON object")])
    try:
        return DocumentIn.model_validate(dict(payload))
    except ValidationError as exc:
        raise InvalidDocument([(json_path(*e["loc"]), _message(e)) for e in exc.errors()]) from None
