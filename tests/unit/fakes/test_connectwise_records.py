"""The ConnectWise fake's ``conditions`` parser reads what ``wire`` writes, and its paging writes a ``Link`` header
that ``wire`` reads — so integration tests exercise real quoting and paging, not a shortcut."""

from __future__ import annotations

import pytest
from yarl import URL

from bot.psa.connectwise import wire
from tests.fakes import connectwise_records as rec


def test_conditions_written_by_wire_round_trip() -> None:
    text = wire.all_of(
        wire.condition("primaryEmail", 'x" or identifier!="nobody'),
        wire.condition("inactiveFlag", False),
        wire.condition("board/name", "Back\\Office"),
        wire.condition("status/id", 5, "!="),
        wire.condition("closedDate", None),
    )
    assert rec.parse_conditions(text) == [
        ("primaryEmail", "=", 'x" or identifier!="nobody'),
        ("inactiveFlag", "=", False),
        ("board/name", "=", "Back\\Office"),
        ("status/id", "!=", 5),
        ("closedDate", "=", None),
    ]


def test_matching_is_case_insensitive_for_text_and_strict_for_types() -> None:
    record = {"primaryEmail": "Pat@X.com", "inactiveFlag": False, "board": {"name": "Service Desk"}, "id": 5}
    assert rec.matches(record, rec.parse_conditions('primaryEmail="pat@x.COM" and inactiveFlag=false'))
    assert rec.matches(record, rec.parse_conditions('board/name="service desk" and id!=6'))
    assert not rec.matches(record, rec.parse_conditions("inactiveFlag=true"))
    assert not rec.matches(record, rec.parse_conditions('id="5"'))


@pytest.mark.parametrize("bad", ['a="x" or b="y"', "a contains 1", 'a="unterminated', "a=1 and"])
def test_conditions_beyond_the_minimal_grammar_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot parse conditions"):
        rec.parse_conditions(bad)


def test_paging_links_are_what_wire_follows() -> None:
    url = URL("http://127.0.0.1:1/v4_6_release/apis/3.0/system/members?pageSize=2&conditions=a%3D1")
    records = [{"id": n} for n in range(1, 6)]
    first, headers = rec.paged(records, {"pageSize": "2"}, url)
    assert first == [{"id": 1}, {"id": 2}]
    assert wire.next_page(headers["Link"]) == {"pageSize": "2", "conditions": "a=1", "page": "2"}
    middle, headers = rec.paged(records, {"pageSize": "2", "page": "2"}, url)
    assert middle == [{"id": 3}, {"id": 4}] and set(wire.links(headers["Link"])) == {"prev", "next", "first", "last"}
    last, headers = rec.paged(records, {"pageSize": "2", "page": "3"}, url)
    assert last == [{"id": 5}] and wire.next_page(headers["Link"]) is None
    only, headers = rec.paged(records, {"pageSize": "1000"}, url)
    assert len(only) == 5 and headers == {}
