"""core.schemas: a dict answer is checked against its schema by its keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.schemas import DictSchema, answer_of


class Point(DictSchema):
    x: int
    label: str

    @staticmethod
    def resolve_label(obj: object) -> str:
        return f"({obj.x})"


class Plain(DictSchema):
    x: int
    y: int = 0


class Thing:
    x = 3
    y = 4
    label = "raw attribute"


def test_an_object_still_goes_through_ninjas_getter_and_resolvers():
    assert Point.model_validate(Thing()).model_dump() == {"x": 3, "label": "(3)"}


def test_a_dict_is_validated_by_its_keys_and_refused_when_wrong():
    assert Point.model_validate({"x": "5", "label": "given"}).model_dump() == {"x": 5, "label": "given"}
    with pytest.raises(ValidationError) as refused:
        Point.model_validate({"x": "five", "label": "given"})
    assert refused.value.errors()[0]["loc"] == ("x",)
    with pytest.raises(ValidationError):
        Point.model_validate({"x": 1})


def test_answer_of_reads_each_field_and_takes_what_is_given():
    assert answer_of(Plain, Thing()) == {"x": 3, "y": 4}
    assert answer_of(Plain, Thing(), y=9) == {"x": 3, "y": 9}
    assert answer_of(Point, Thing(), label="given") == {"x": 3, "label": "given"}


def test_answer_of_refuses_to_skip_a_resolver():
    # Reading the attribute would answer "raw attribute", not what the schema resolves.
    with pytest.raises(TypeError, match="label"):
        answer_of(Point, Thing())
    answer_of(Point, Thing(), label="given")
    with pytest.raises(TypeError, match="label"):
        answer_of(Point, Thing())
