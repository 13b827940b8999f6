"""Auto-map suggestions: names in any case or separator style, synonyms, types."""

from __future__ import annotations

from fieldwright.authoring.automap import (
    name_similarity,
    normalise,
    suggest_mappings,
    type_compatibility,
)
from fieldwright.domain import FieldType
from fieldwright.service import open_mapping
from tests.conftest import HUBSPOT


def test_names_normalise_across_styles() -> None:
    assert normalise("firstName") == normalise("first_name") == normalise("First Name")
    assert normalise("HTTPStatusCode") == ("http", "status", "code")


def test_synonyms_and_styles_score_high() -> None:
    for other in ("firstname", "first_name", "FirstName", "given_name", "givenName"):
        assert name_similarity("first_name", other) >= 0.9, other
    assert name_similarity("first_name", "last_name") < 0.9


def test_types_scale_confidence() -> None:
    assert type_compatibility(FieldType.INTEGER, FieldType.NUMBER) > 0.9
    assert type_compatibility(FieldType.OBJECT, FieldType.STRING) == 0.0


def test_hubspot_example_suggests_the_expected_pairs() -> None:
    document = open_mapping(HUBSPOT)
    document.fields = []
    pairs = {(s.source, s.target) for s in suggest_mappings(document)}
    expected = {
        ("$.id", "$.crm_id"),
        ("$.properties.firstname", "$.first_name"),
        ("$.properties.lastname", "$.last_name"),
        ("$.properties.email", "$.email"),
        ("$.properties.phone", "$.phone"),
        ("$.properties.company", "$.company"),
        ("$.properties.lifecyclestage", "$.stage"),
        ("$.properties.createdate", "$.created_on"),
        ("$.properties.country", "$.country_code"),
    }
    assert expected <= pairs
    targets = [t for _s, t in pairs]
    assert len(targets) == len(set(targets)), "one suggestion per target"


def test_mapped_targets_get_no_suggestion() -> None:
    document = open_mapping(HUBSPOT)
    assert all(
        s.target not in {f.target for f in document.fields} for s in suggest_mappings(document)
    )
