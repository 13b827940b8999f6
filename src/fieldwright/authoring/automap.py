"""Auto-map suggestions: pair source and target fields by name similarity and type.

Qt-free. Names are compared in a normal form (camelCase and snake_case split,
separators dropped, lower case) and through a small table of synonyms
(first_name / firstname / given_name …); type compatibility scales the score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from fieldwright.authoring.edits import Batch, Edit, map_fields
from fieldwright.domain import FieldType, MappingDocument, SchemaField

__all__ = [
    "Suggestion",
    "accept_suggestions",
    "normalise",
    "suggest_mappings",
    "type_compatibility",
]

_SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        {"firstname", "givenname", "fname", "forename", "first"},
        {"lastname", "surname", "familyname", "lname", "last"},
        {"fullname", "displayname", "name"},
        {"email", "emailaddress", "mail", "email1"},
        {"phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone"},
        {"company", "companyname", "organization", "organisation", "employer", "account"},
        {"zip", "zipcode", "postcode", "postalcode"},
        {"created", "createdate", "createdat", "createdon", "creationdate", "datecreated"},
        {"updated", "updatedat", "lastmodified", "modifiedat", "lastmodifieddate"},
        {"dob", "birthdate", "dateofbirth", "birthday"},
        {"stage", "lifecyclestage", "status"},
        {"country", "countrycode", "countryname"},
    )
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^0-9a-zA-Z]+")

#: Suggestions below this confidence are not offered.
THRESHOLD = 0.6


def normalise(name: str) -> tuple[str, ...]:
    """The lower-case words of a name: `firstName`, `first_name`, `First Name` → first, name."""
    spaced = _CAMEL.sub(" ", name)
    return tuple(word.lower() for word in _SEPARATORS.split(spaced) if word)


def _synonym_group(compact: str) -> int | None:
    return next((i for i, group in enumerate(_SYNONYMS) if compact in group), None)


def name_similarity(source: str, target: str) -> float:
    """0..1: how alike two field names are."""
    words_a, words_b = normalise(source), normalise(target)
    compact_a, compact_b = "".join(words_a), "".join(words_b)
    if not compact_a or not compact_b:
        return 0.0
    if compact_a == compact_b:
        return 1.0
    group_a, group_b = _synonym_group(compact_a), _synonym_group(compact_b)
    if group_a is not None and group_a == group_b:
        return 0.95
    score = fuzz.ratio(compact_a, compact_b)
    score = max(score, 0.85 * fuzz.token_set_ratio(" ".join(words_a), " ".join(words_b)))
    if min(len(compact_a), len(compact_b)) >= 4:
        score = max(score, 0.8 * fuzz.partial_ratio(compact_a, compact_b))
    return score / 100.0


_NUMERIC = {FieldType.INTEGER, FieldType.NUMBER}
_TEMPORAL = {FieldType.DATE, FieldType.DATETIME}
_STRUCTURED = {FieldType.OBJECT, FieldType.ARRAY}


def type_compatibility(source: FieldType, target: FieldType) -> float:
    """0..1: how well a value of type `source` fits a field of type `target`."""
    if source is target or FieldType.ANY in (source, target):
        return 1.0
    if (source in _STRUCTURED) != (target in _STRUCTURED):
        return 0.0
    if {source, target} <= _NUMERIC or {source, target} <= _TEMPORAL:
        return 0.95
    if FieldType.STRING in (source, target):
        return 0.85  # text converts to and from most scalars with a transform
    return 0.5


@dataclass(frozen=True, slots=True)
class Suggestion:
    source: str  #: source JSONPath
    target: str  #: target JSONPath
    confidence: float  #: 0..1
    reason: str


def _leaves(fields: Iterable[tuple[str, SchemaField]]) -> list[tuple[str, SchemaField]]:
    return [(path, f) for path, f in fields if f.type not in _STRUCTURED or not f.fields]


def suggest_mappings(
    document: MappingDocument, *, threshold: float = THRESHOLD
) -> list[Suggestion]:
    """One suggestion per unmapped target leaf at most, best first; each source used once."""
    mapped_targets = {f.target for f in document.fields}
    mapped_sources = {s for f in document.fields for s in f.sources}
    sources = [p for p in _leaves(document.source.walk()) if p[0] not in mapped_sources]
    targets = [p for p in _leaves(document.target.walk()) if p[0] not in mapped_targets]
    scored: list[Suggestion] = []
    for target_path, target in targets:
        for source_path, source in sources:
            names = name_similarity(source.name, target.name)
            types = type_compatibility(source.type, target.type)
            confidence = round(names * types, 3)
            if confidence >= threshold:
                reason = f"name {names:.0%}, types {source.type.value} → {target.type.value}"
                scored.append(Suggestion(source_path, target_path, confidence, reason))
    # Ties go to the shallower source: `$.id` before `$.lines[*].id`.
    scored.sort(key=lambda s: (-s.confidence, s.source.count("."), s.target, s.source))
    chosen: list[Suggestion] = []
    used_sources: set[str] = set()
    used_targets: set[str] = set()
    for suggestion in scored:
        if suggestion.source in used_sources or suggestion.target in used_targets:
            continue
        chosen.append(suggestion)
        used_sources.add(suggestion.source)
        used_targets.add(suggestion.target)
    return chosen


def accept_suggestions(document: MappingDocument, suggestions: list[Suggestion]) -> Batch | None:
    """One edit mapping every suggestion (None when none changes anything).

    Each suggestion's edit is made on a copy that already has the ones before
    it, as if they were dropped one after another.
    """
    working = document.model_copy(deep=True)
    edits: list[Edit] = []
    for suggestion in suggestions:
        edit = map_fields(working, suggestion.source, suggestion.target)
        if edit is not None:
            edit.apply(working)
            edits.append(edit)
    return Batch(f"Auto-map {len(suggestions)} fields", edits) if edits else None
