"""Redaction before remote calls (dxprep.privacy): what is caught, what is left alone, and that
restoring the placeholders gives back exactly the original text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dxprep.config import load_settings
from dxprep.errors import ConfigError
from dxprep.privacy import RedactionPolicy, Redactor, find_sensitive, iban_valid, luhn_valid

ALL = ("email", "phone", "card", "bank", "names")


def labels(text: str, kinds: tuple[str, ...] = ("email", "phone", "card", "bank"), names: tuple[str, ...] = ()
           ) -> list[tuple[str, str]]:
    return find_sensitive(text, kinds, names)


@pytest.mark.parametrize(("text", "label", "value"), [
    ("write to dana.ortiz@example.com today", "EMAIL", "dana.ortiz@example.com"),
    ("(first.last+tag@mail.harlan-creek.co.uk).", "EMAIL", "first.last+tag@mail.harlan-creek.co.uk"),
    ("call +1 (415) 555-0132 after lunch", "PHONE", "+1 (415) 555-0132"),
    ("call 415-555-0199.", "PHONE", "415-555-0199"),
    ("call (415) 555 0199", "PHONE", "(415) 555 0199"),
    ("Berlin office +49 30 1234 5678", "PHONE", "+49 30 1234 5678"),
    ("London +44 20 7946 0958,", "PHONE", "+44 20 7946 0958"),
    ("Tel: 030 1234567", "PHONE", "030 1234567"),
    ("mobile 06 12 34 56 78", "PHONE", "06 12 34 56 78"),
    ("card 4111 1111 1111 1111 on file", "CARD", "4111 1111 1111 1111"),
    ("card 4111-1111-1111-1111", "CARD", "4111-1111-1111-1111"),
    ("card 5555555555554444.", "CARD", "5555555555554444"),
    ("Amex 3782 822463 10005", "CARD", "3782 822463 10005"),
    ("pay to DE89 3704 0044 0532 0130 00 now", "IBAN", "DE89 3704 0044 0532 0130 00"),
    ("IBAN GB82WEST12345698765432 PAID", "IBAN", "GB82WEST12345698765432"),
    ("IBAN GB82 WEST 1234 5698 7654 32 PAID", "IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("Routing number: 021000021", "ROUTING", "021000021"),
    ("ABA 011000015 for wires", "ROUTING", "011000015"),
    ("account no. 123456789012", "ACCOUNT", "123456789012"),
    ("Acct #: 0012-3456-78", "ACCOUNT", "0012-3456-78"),
    ("sort code 12-34-56", "SORTCODE", "12-34-56"),
])
def test_each_kind_is_found(text: str, label: str, value: str) -> None:
    assert labels(text) == [(label, value)]


@pytest.mark.parametrize("text", [
    "Decision on 2026-11-05, due 2026-11-15 (14 Oct 2026; October 14, 2026; 11/05/2026; 05.11.2026).",
    "ERP upgrade: $4.2M over plan, €1,200,000 in 2027, 12.5% of spend, up 3.5%, +12% YoY, -4.5%.",
    "Action {#ai-21} and ai-12 closed; ticket INC-2026-00417; PO 4500012345; v2.4.1; ISO 27001:2022.",
    "FY2026 Q3 2027, years 2024-2026, 1999, 10:00-11:30, pages 12-34, 100 200 3000 units.",
    "Budget 1.200.000 EUR; headcount 1 234 567; phone budget 2026-11-05.",
    "4111 1111 1111 1112 fails the Luhn check; 0000 0000 0000 0000 is no card.",
    "DE89 3704 0044 0532 0130 02 fails mod-97; US12345 is a code.",
    "the account for 30% of spend; accounts 2026-11-05 reconciled; routing 12345 (too short).",
    "Reach us at the usual address (no @ here) or at user@localhost.",
    "Supplier ids 123-456-7890-1 and SKU-415-555-0132; 1-800 numbers are out of scope.",
])
def test_false_positives_are_left_alone(text: str) -> None:
    assert labels(text) == []


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and iban_valid("gb82west12345698765432")
    assert not iban_valid("DE89 3704 0044 0532 0130 02") and not iban_valid("DE89")


def test_same_value_same_placeholder_and_restore() -> None:
    r = Redactor()
    out = r.redact_many(["mail a@example.com, then b@example.com", "again a@example.com; call 415-555-0132"])
    assert out == ["mail [EMAIL_1], then [EMAIL_2]", "again [EMAIL_1]; call [PHONE_1]"]
    assert r.counts == {"email": 3, "phone": 1}
    assert r.restore("Ask [EMAIL_1] or EMAIL_2, [email_1], not [EMAIL_9] or EMAIL_22") == \
        "Ask a@example.com or b@example.com, a@example.com, not [EMAIL_9] or EMAIL_22"


def test_placeholders_already_in_the_text_are_never_issued() -> None:
    r = Redactor()
    text = "literal [EMAIL_1] and PHONE_1 stay; x@example.com and 415-555-0132 go"
    out = r.redact(text)
    assert out == "literal [EMAIL_1] and PHONE_1 stay; [EMAIL_2] and [PHONE_2] go"
    assert r.restore(out) == text


def test_restore_escapes_for_json() -> None:
    r = RedactionPolicy(frozenset({"names"}), ('Dana "DJ" Ortiz',)).redactor()
    sent = r.redact('Met Dana "DJ" Ortiz')
    assert sent == "Met [PERSON_1]"
    answer = json.dumps({"headline": "Thank [PERSON_1]"})
    assert json.loads(r.restore(answer, json_escape=True)) == {"headline": 'Thank Dana "DJ" Ortiz'}


def test_names_option_uses_stakeholders(tmp_path: Path) -> None:
    (tmp_path / "stakeholders.yaml").write_text(
        "organization: Example Corp\nit_leader: {name: Sam Rivera, title: CIO}\n"
        "executives:\n  - {id: cfo, name: Dana Ortiz, role: CFO, aliases: [Dana, D. Ortiz]}\n", encoding="utf-8")
    off = RedactionPolicy.for_workspace(tmp_path)  # default: names are not redacted
    assert "names" not in off.kinds and off.redactor().redact("Dana Ortiz") == "Dana Ortiz"
    (tmp_path / "dxprep.toml").write_text('[dxprep]\nredact = ["email", "names"]\n', encoding="utf-8")
    policy = RedactionPolicy.for_workspace(tmp_path)
    assert policy.kinds == {"email", "names"}
    r = policy.redactor()
    text = "Dana Ortiz met Sam  Rivera; D. Ortiz asked Dana's team (dana@example.com) about Danaher and 415-555-0132."
    out = r.redact(text)
    assert out == ("[PERSON_1] met [PERSON_2]; [PERSON_3] asked [PERSON_4]'s team ([EMAIL_1]) about Danaher "
                   "and 415-555-0132.")
    assert r.restore(out) == text


def test_settings_parse_redact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(tmp_path).redact == ["email", "phone", "card", "bank"]
    monkeypatch.setenv("DXPREP_REDACT", "Email, names")
    assert load_settings(tmp_path).redact == ["email", "names"]
    monkeypatch.setenv("DXPREP_REDACT", "none")
    assert load_settings(tmp_path).redact == []
    monkeypatch.setenv("DXPREP_REDACT", "email,ssn")
    with pytest.raises(ConfigError, match="redact"):
        load_settings(tmp_path)


def test_nothing_redacted_when_disabled() -> None:
    r = RedactionPolicy(frozenset()).redactor()
    text = "a@example.com 4111 1111 1111 1111"
    assert r.redact(text) == text and r.counts == {}


# ------------------------------------------------------------------ round trip (property)
SENSITIVE = st.sampled_from([
    "dana.ortiz@example.com", "a.b@c.io", "+1 (415) 555-0132", "415-555-0199", "+49 30 1234 5678",
    "4111 1111 1111 1111", "5555555555554444", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432",
    "routing 021000021", "account no. 123456789012", "Dana Ortiz", "Dana", "D. Ortiz", "[EMAIL_1]", "PHONE_2",
    "[PERSON_1]", "[iban_3]",
])
FILLER = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
TEXTS = st.lists(st.one_of(SENSITIVE, FILLER), max_size=12).map("".join)


@settings(derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=3))
@example(["[EMAIL_1] x@example.com EMAIL_1"])
@example(["x@example.com[EMAIL_1]", "4111 1111 1111 1111PERSON_1"])
def test_redact_then_restore_gives_the_original(texts: list[str]) -> None:
    r = RedactionPolicy(frozenset(ALL), ("Dana Ortiz", "Dana", "D. Ortiz")).redactor()
    sent = r.redact_many(texts)
    assert [r.restore(t) for t in sent] == texts
    # JSON-escaped restore inside a JSON document gives the same strings back
    doc = json.dumps(sent, ensure_ascii=False)
    assert json.loads(r.restore(doc, json_escape=True)) == texts


PLANTED = ["dana.ortiz@example.com", "+1 (415) 555-0132", "415-555-0199", "+49 30 1234 5678", "4111 1111 1111 1111",
           "5555555555554444", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "Dana Ortiz"]


@settings(derandomize=True, max_examples=200)
@given(st.lists(st.one_of(st.sampled_from(PLANTED), FILLER), max_size=10))
def test_planted_values_never_survive_redaction(parts: list[str]) -> None:
    text = " ; ".join(parts)
    r = RedactionPolicy(frozenset(ALL), ("Dana Ortiz",)).redactor()
    sent = r.redact(text)
    for value in PLANTED:
        if value in parts:
            assert value not in sent
    assert r.restore(sent) == text
