"""The parameter schema: defaults, validation messages, coercion, documentation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbone.simulation import PRINCIPLES, REGIMES, SCHEMA, SECTORS, ParameterError, Params, schema_table
from backbone.simulation.params import RECORD_DTYPE

NUMERIC = [s for s in SCHEMA.values() if s.kind in ("float", "int")]


def test_defaults_are_valid_and_complete():
    p = Params()
    assert p.changed() == {}
    assert set(p.to_dict()) == set(SCHEMA)
    for name, spec in SCHEMA.items():
        assert getattr(p, name) == spec.default
    # Passing every default back in explicitly is accepted and changes nothing.
    assert Params(p.to_dict()) == p


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_every_entry_is_documented_and_its_default_in_bounds(name):
    spec = SCHEMA[name]
    assert spec.name == name
    assert spec.unit.strip(), f"{name} has no unit"
    assert spec.source.strip(), f"{name} has no source or stated assumption"
    assert spec.doc.strip(), f"{name} has no meaning"
    assert spec.group.strip()
    if spec.kind in ("float", "int"):
        assert spec.lo is not None and spec.hi is not None and spec.lo <= spec.hi
        assert spec.lo <= spec.default <= spec.hi, f"{name}: default {spec.default} outside [{spec.lo}, {spec.hi}]"
        if spec.kind == "int":
            assert isinstance(spec.default, int)
    elif spec.kind == "choice":
        assert spec.default in spec.choices
    elif spec.kind == "bool":
        assert isinstance(spec.default, bool)
    else:
        assert spec.kind == "names"
        assert isinstance(spec.default, tuple)


def test_schema_covers_regimes_and_ablation_switches():
    assert SCHEMA["regime"].choices == REGIMES
    for q in PRINCIPLES:
        assert SCHEMA[f"use_{q}"].kind == "bool"
        assert SCHEMA[f"effort_{q}"].kind == "float"
    rows = schema_table()
    assert [r["name"] for r in rows] == list(SCHEMA)
    assert all({"name", "unit", "default", "bounds", "source", "meaning"} <= set(r) for r in rows)


def test_unknown_key_names_the_key_and_the_nearest():
    with pytest.raises(ParameterError) as err:
        Params(backbone_shar=0.2)
    msg = str(err.value)
    assert "backbone_shar" in msg and "'backbone_share'" in msg
    assert "\n" not in msg
    with pytest.raises(ParameterError, match="turnover_rate"):
        Params({"turnover_rat": 0.1})
    # A key like nothing in the schema still names itself.
    with pytest.raises(ParameterError, match="zzzz_qqqq"):
        Params(zzzz_qqqq=1)


def test_parameter_error_is_a_value_error():
    assert issubclass(ParameterError, ValueError)


@pytest.mark.parametrize("name, value", [
    ("backbone_share", 0.95), ("backbone_share", -0.1), ("turnover_rate", 0.9),
    ("n_partners", 1), ("months", 0), ("n_beneficiaries", 5), ("funder_patience", 10_000),
])
def test_out_of_range_names_field_value_and_range(name, value):
    spec = SCHEMA[name]
    with pytest.raises(ParameterError) as err:
        Params({name: value})
    msg = str(err.value)
    assert name in msg
    assert repr(value) in msg or str(value) in msg
    assert spec.bounds_text() in msg
    assert "\n" not in msg


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "abc", None, [0.1]])
def test_non_numbers_refused(value):
    with pytest.raises(ParameterError, match="backbone_share"):
        Params(backbone_share=value)


def test_complexity_above_dimensions_refused():
    with pytest.raises(ParameterError) as err:
        Params(n_dimensions=3, complexity=4)
    assert "complexity" in str(err.value) and "3" in str(err.value)
    assert Params(n_dimensions=3, complexity=3).complexity == 3


def test_bool_coercion_is_strict():
    for raw, expected in [(True, True), (False, False), (np.bool_(True), True)]:
        assert Params(use_identity=raw).use_identity is expected
    # one rule everywhere (scenario files, experiment specs, Python): text and numbers are not booleans
    for raw in ("maybe", "yes", "true", "0", 1, 0, np.int64(1), 2, 0.5, None):
        with pytest.raises(ParameterError, match="use_identity"):
            Params(use_identity=raw)


def test_choice_coercion():
    assert Params(regime="isolated").regime == "isolated"
    with pytest.raises(ParameterError) as err:
        Params(regime="pool")
    assert "regime" in str(err.value) and "pooled" in str(err.value) and "isolated" in str(err.value)


def test_int_coercion():
    assert Params(n_partners=12.0).n_partners == 12
    assert isinstance(Params(n_partners=12.0).n_partners, int)
    with pytest.raises(ParameterError, match="n_partners"):
        Params(n_partners="12")  # text is not a number
    assert Params(n_partners=np.int32(9)).n_partners == 9
    with pytest.raises(ParameterError, match="whole number"):
        Params(n_partners=12.5)
    with pytest.raises(ParameterError, match="n_partners"):
        Params(n_partners=True)  # a bool is not a count


def test_float_coercion_from_numpy_not_strings():
    with pytest.raises(ParameterError, match="backbone_share"):
        Params(backbone_share="0.25")
    assert Params(backbone_share=np.float32(0.5)).backbone_share == pytest.approx(0.5)
    assert isinstance(Params(backbone_share=0).backbone_share, float)


def test_partner_names():
    p = Params(n_partners=3, partner_names=["City:public", "Bank:private"])
    assert p.partner_labels() == [("City", "public"), ("Bank", "private"), ("Partner 3", SECTORS[2])]
    assert Params(n_partners=2, partner_names=["A:academia", "B"]).partner_labels()[0] == ("A", "academia")
    with pytest.raises(ParameterError, match="partner_names"):
        Params(n_partners=2, partner_names="A:academia, B")  # a list, not text
    with pytest.raises(ParameterError, match="sector"):
        Params(partner_names=["X:military"])
    with pytest.raises(ParameterError, match="partner_names"):
        Params(n_partners=2, partner_names=["a", "b", "c"])


def test_immutable_replace_changed_and_record():
    p = Params(backbone_share=0.2)
    with pytest.raises(AttributeError):
        p.backbone_share = 0.3
    q = p.replace(regime="isolated")
    assert q.regime == "isolated" and q.backbone_share == 0.2 and p.regime == "pooled"
    assert q.changed() == {"backbone_share": 0.2, "regime": "isolated"}
    assert p != q and p == Params({"backbone_share": 0.2}) and hash(p) == hash(Params(backbone_share=0.2))
    with pytest.raises(ParameterError):
        p.replace(backbone_share=2.0)
    rec = q.to_record()
    assert rec.dtype == RECORD_DTYPE and rec.shape == (1,)
    assert rec[0]["regime"] == REGIMES.index("isolated")
    assert rec[0]["backbone_share"] == 0.2
    assert rec[0]["use_identity"] == 1.0
    assert q.slots == q.n_partners + q.max_recruits
    with pytest.raises(AttributeError, match="backbone_share"):
        p.backbone_shar  # noqa: B018


@settings(max_examples=60)
@given(data=st.data())
def test_any_value_in_bounds_accepted_and_outside_refused(data):
    spec = data.draw(st.sampled_from(NUMERIC))
    if spec.name == "complexity":
        return  # bounded by n_dimensions too (tested above)
    if spec.kind == "int":
        inside = data.draw(st.integers(int(spec.lo), int(spec.hi)))
        outside = data.draw(st.sampled_from([int(spec.lo) - 1, int(spec.hi) + 1]))
    else:
        inside = data.draw(st.floats(spec.lo, spec.hi, allow_nan=False))
        outside = data.draw(st.sampled_from([spec.lo - 1e-6 * max(1.0, abs(spec.lo)) - 1e-9,
                                             spec.hi + 1e-6 * max(1.0, abs(spec.hi))]))
    base = {"complexity": 1} if spec.name == "n_dimensions" else {}
    assert getattr(Params({**base, spec.name: inside}), spec.name) == inside
    with pytest.raises(ParameterError) as err:
        Params({**base, spec.name: outside})
    assert spec.name in str(err.value) and spec.bounds_text() in str(err.value)
