"""``ConnectWiseClient`` when ConnectWise misbehaves: throttling, 5xx, dropped connections, answers lost after a note
was stored, outages — and no key in any error, repr or log line. Delays are recorded by ``Sleeps``, never waited."""

from __future__ import annotations

import base64
import logging
import traceback

import pytest

from bot.engine.psa import NewNote, NoteKind, PsaAuthError, PsaError, PsaRejectedError, PsaUnavailableError
from bot.psa.connectwise.client import ConnectWiseClient
from tests.fakes.connectwise_api import FakeConnectWise
from tests.integration.psa.conftest import TICKET, Sleeps, connect

TICKET_PATH = f"/service/tickets/{TICKET}"
NOTES = f"{TICKET_PATH}/notes"
THROTTLED = {"code": "TooManyRequests", "message": "Request limit exceeded."}
TIMED_OUT = {"code": "", "message": "Execution Timeout Expired. The timeout period elapsed prior to completion."}
BROKEN = {"code": "", "message": "Object reference not set to an instance of an object."}
UNAVAILABLE = {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable."}


def note(marker: str = "rf-0123456789abcdef") -> NewNote:
    return NewNote("Resolved: re-enrolled MFA.", NoteKind.RESOLUTION, marker=marker, member_id=201)


def posts(cw: FakeConnectWise) -> int:
    return sum(1 for c in cw.calls_to(NOTES) if c.method == "POST")


async def test_429_waits_exactly_retry_after_then_succeeds(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(TICKET_PATH, 429, THROTTLED, headers={"Retry-After": "7"})
    assert (await client.get_ticket(TICKET, recent_notes=0)).id == TICKET
    assert sleeps.delays == [7.0] and len(cw.calls_to(TICKET_PATH)) == 2


async def test_a_throttled_note_is_sent_again_because_429_means_not_applied(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(NOTES, 429, THROTTLED, headers={"Retry-After": "2"})
    posted = await client.add_note(TICKET, note())
    assert [n["id"] for n in cw.notes_on(TICKET)] == [posted.id] and posts(cw) == 2 and sleeps.delays == [2.0]


async def test_a_long_retry_after_is_handed_to_the_caller(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(TICKET_PATH, 429, THROTTLED, headers={"Retry-After": "600"})
    with pytest.raises(PsaUnavailableError) as err:
        await client.get_ticket(TICKET)
    assert (err.value.retry_after, err.value.retryable, err.value.ambiguous) == (600.0, True, False)
    assert err.value.message == "ConnectWise is throttling requests (HTTP 429) while reading ticket #4242"
    assert sleeps.delays == []


async def test_a_500_that_timed_out_is_retried_with_growing_jittered_backoff(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(TICKET_PATH, 500, TIMED_OUT, times=2)
    assert (await client.get_ticket(TICKET, recent_notes=0)).id == TICKET
    first, second = sleeps.delays
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0  # backoff_base 0.5: half fixed, half random


async def test_other_500s_are_not_retried_here_but_stay_retryable(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(TICKET_PATH, 500, BROKEN)
    with pytest.raises(PsaUnavailableError) as err:
        await client.get_ticket(TICKET)
    assert err.value.retryable and not err.value.ambiguous and sleeps.delays == []
    assert err.value.message == (
        "ConnectWise answered HTTP 500 while reading ticket #4242: "
        "Object reference not set to an instance of an object."
    )


async def test_reads_give_up_after_max_attempts(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    cw.fail_next(TICKET_PATH, 503, UNAVAILABLE, times=10)
    async with connect(cw, sleeps, max_attempts=3) as psa:
        with pytest.raises(PsaUnavailableError) as err:
            await psa.get_ticket(TICKET)
    assert len(cw.calls_to(TICKET_PATH)) == 3 and len(sleeps.delays) == 2 and not err.value.ambiguous
    assert "HTTP 503" in err.value.message and "temporarily unavailable" in err.value.message


async def test_a_dropped_read_is_retried(cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps) -> None:
    cw.reset_next(TICKET_PATH)
    assert (await client.get_ticket(TICKET, recent_notes=0)).id == TICKET
    assert len(cw.calls_to(TICKET_PATH)) == 2 and len(sleeps.delays) == 1


async def test_a_lost_status_answer_is_retried_because_setting_a_status_is_idempotent(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    cw.reset_next(TICKET_PATH, after_handling=True)  # the PATCH is applied, its answer lost
    ticket = await client.update_status(TICKET, 5)
    assert ticket.status_id == 5 and [c.method for c in cw.calls_to(TICKET_PATH)] == ["PATCH", "PATCH", "GET"]


async def test_a_note_whose_answer_times_out_is_ambiguous_and_found_by_its_marker(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.stall_next(NOTES, seconds=60)  # stored, then the answer is held past the client's timeout
    async with connect(cw, sleeps, timeout=0.5) as impatient:
        with pytest.raises(PsaUnavailableError) as err:
            await impatient.add_note(TICKET, note("rf-lost1"))
    assert err.value.ambiguous and err.value.retryable
    assert "may have been applied" in err.value.message
    cw.release_stalls()
    [stored] = cw.notes_on(TICKET)
    assert posts(cw) == 1 and sleeps.delays == []
    found = await client.find_note(TICKET, "rf-lost1")
    assert found is not None and (found.id, found.kind) == (stored["id"], NoteKind.RESOLUTION)


async def test_a_note_whose_connection_drops_after_storing_is_ambiguous(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.reset_next(NOTES, after_handling=True)
    with pytest.raises(PsaUnavailableError) as err:
        await client.add_note(TICKET, note("rf-dropped"))
    assert err.value.ambiguous and posts(cw) == 1 and len(cw.notes_on(TICKET)) == 1 and sleeps.delays == []
    found = await client.find_note(TICKET, "rf-dropped")
    assert found is not None and found.id == cw.notes_on(TICKET)[0]["id"]


async def test_a_note_dropped_before_storing_is_ambiguous_too_and_the_marker_says_post_again(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    cw.reset_next(NOTES)
    with pytest.raises(PsaUnavailableError) as err:
        await client.add_note(TICKET, note("rf-never-landed"))
    assert err.value.ambiguous and cw.notes_on(TICKET) == []
    assert await client.find_note(TICKET, "rf-never-landed") is None
    await client.add_note(TICKET, note("rf-never-landed"))  # what the delivery worker does next
    assert len(cw.notes_on(TICKET)) == 1


async def test_a_5xx_answer_to_a_note_is_ambiguous_and_not_retried(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    cw.fail_next(NOTES, 503, UNAVAILABLE, times=3)
    with pytest.raises(PsaUnavailableError) as err:
        await client.add_note(TICKET, note())
    assert err.value.ambiguous and posts(cw) == 1 and sleeps.delays == []


async def test_a_refused_connection_is_retried_even_for_a_note(
    cw: FakeConnectWise, client: ConnectWiseClient, sleeps: Sleeps
) -> None:
    await cw.outage(refuse=True)
    sleeps.then = cw.outage_end  # the outage ends during the client's first backoff
    posted = await client.add_note(TICKET, note())
    assert len(sleeps.delays) == 1 and posts(cw) == 1
    assert [n["id"] for n in cw.notes_on(TICKET)] == [posted.id]


async def test_an_outage_fails_every_request_until_it_ends(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    async with connect(cw, sleeps, max_attempts=2) as psa:
        await cw.outage()
        with pytest.raises(PsaUnavailableError) as answered:
            await psa.get_ticket(TICKET)
        with pytest.raises(PsaUnavailableError) as posted:
            await psa.add_note(TICKET, note())
        await cw.outage_end()
        await cw.outage(refuse=True)
        with pytest.raises(PsaUnavailableError) as refused:
            await psa.get_ticket(TICKET)
        await cw.outage_end()
        assert (await psa.get_ticket(TICKET)).id == TICKET
    assert "HTTP 503" in answered.value.message and not answered.value.ambiguous
    assert posted.value.ambiguous and cw.notes_on(TICKET) == []
    assert refused.value.message.startswith(f"Could not reach ConnectWise at {cw.base_url.split('//')[1]} while")
    assert not refused.value.ambiguous


async def test_no_key_reaches_an_error_message_a_repr_or_the_logs(
    cw: FakeConnectWise, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "priv-WRONG-0123456789"
    token = base64.b64encode(f"acme+{cw.public_key}:{cw.private_key}".encode()).decode()
    wrong_token = base64.b64encode(f"acme+{cw.public_key}:{wrong}".encode()).decode()
    secrets = [cw.private_key, cw.public_key, token, wrong, wrong_token]
    errors: list[PsaError] = []

    async def failing(attempt: object) -> None:
        with pytest.raises(PsaError) as err:
            await attempt  # type: ignore[misc]
        errors.append(err.value)

    bad = ConnectWiseClient(cw.credentials(private_key=wrong), sleep=sleeps)
    async with connect(cw, sleeps, timeout=0.5, max_attempts=2) as good, bad:
        await failing(bad.get_ticket(TICKET))
        cw.fail_next(TICKET_PATH, 503, UNAVAILABLE, times=2)
        await failing(good.get_ticket(TICKET))
        cw.stall_next(NOTES, seconds=60)
        await failing(good.add_note(TICKET, note("rf-secret-1")))
        cw.release_stalls()
        cw.reset_next(NOTES)
        await failing(good.add_note(TICKET, note("rf-secret-2")))
        await failing(good.add_note(TICKET, NewNote("", NoteKind.DETAIL)))
        await cw.outage(refuse=True)
        await failing(good.get_ticket(TICKET))
        await cw.outage_end()

    kinds = [type(e) for e in errors]
    assert kinds == [PsaAuthError, *[PsaUnavailableError] * 3, PsaRejectedError, PsaUnavailableError]
    assert any("attempt 1 of 2" in r.getMessage() for r in caplog.records)  # retries were logged
    assert cw.calls[0].headers["authorization"] == f"Basic {wrong_token}"  # the keys really were sent
    seen = [repr(good), repr(bad), repr(good.__dict__), caplog.text]
    seen += [r.getMessage() for r in caplog.records]
    for err in errors:
        seen += [str(err), repr(err), err.message, "".join(traceback.format_exception(err))]
    blob = "\n".join(seen)
    for secret in secrets:
        assert secret not in blob
