import pytest

from dxprep.errors import StakeholdersError, UnknownExecutiveError
from dxprep.workspace.stakeholders import parse_stakeholders

GOOD = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
executives:
  - id: cfo
    name: Dana Ortiz
    title: Chief Financial Officer
    role: CFO
    business_unit: finance
    cadence_days: 30
    aliases: [Dana, D. Ortiz]
  - id: coo
    name: Lee Chen
    role: coo
    business_unit: ops
"""


def test_parse_and_lookup() -> None:
    org, warnings = parse_stakeholders(GOOD)
    assert warnings == []
    assert org.name == "Example Corp" and org.it_leader and org.it_leader.name == "Sam Rivera"
    assert [u.id for u in org.business_units] == ["finance", "ops"]
    for query in ("cfo", "CFO", "dana ortiz", "Dana", "d. ortiz", "  Dana   Ortiz "):
        assert org.executive(query).id == "cfo"
    coo = org.executive("Lee Chen")
    assert coo.role == "COO" and coo.cadence_days == 30 and coo.aliases == []


def test_unknown_executive_lists_known_and_closest() -> None:
    org, _ = parse_stakeholders(GOOD)
    with pytest.raises(UnknownExecutiveError) as info:
        org.executive("Dana Ortis")
    err = info.value
    assert "cfo (Dana Ortiz)" in str(err) and "coo (Lee Chen)" in str(err)
    assert err.closest == "cfo" and err.exit_code == 2


def test_yaml_error_names_file_and_line() -> None:
    bad = GOOD.replace("    title: Chief Financial Officer", "    title: [unclosed")
    with pytest.raises(StakeholdersError) as info:
        parse_stakeholders(bad)
    assert str(info.value).startswith("stakeholders.yaml:1")  or "stakeholders.yaml:" in str(info.value)
    assert info.value.line is not None and info.value.line >= 9


def test_schema_error_points_at_the_field() -> None:
    bad = GOOD.replace("cadence_days: 30", "cadence_days: monthly")
    with pytest.raises(StakeholdersError) as info:
        parse_stakeholders(bad)
    assert info.value.line == 12
    assert "executives.0.cadence_days" in str(info.value)


def test_duplicate_ids_are_an_error() -> None:
    bad = GOOD.replace("id: coo", "id: cfo")
    with pytest.raises(StakeholdersError) as info:
        parse_stakeholders(bad)
    assert "duplicate executive id" in str(info.value) and info.value.line == 14


def test_unknown_keys_and_units_warn() -> None:
    text = GOOD.replace("business_unit: ops", "business_unit: logistics") + "budget: 12\n"
    org, warnings = parse_stakeholders(text)
    reasons = [w.reason for w in warnings]
    assert any("unknown business unit 'logistics'" in r for r in reasons)
    assert any("unknown key 'budget'" in r for r in reasons)
