"""``index_jobs`` on SQLite and PostgreSQL: queued with the caller's transaction (or not at all), coalesced per
document, claimed under a lease, and kept when requested again while a worker held it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.engine.knowledge import FLOWS_JOB, SESSION_JOB
from bot.store.database import Database
from bot.store.index_jobs import SqlIndexJobs
from tests.integration.store.builders import NOW, SESSION, TEAM_A, TEAM_B

LEASE = NOW + timedelta(minutes=5)


async def test_a_job_commits_with_the_unit_of_work_or_not_at_all(seeded: Database) -> None:
    jobs = SqlIndexJobs(seeded.engine)
    async with seeded.uow() as uow:
        await jobs.add(uow, TEAM_A, SESSION_JOB, SESSION, NOW)
        await uow.rollback()
    assert await jobs.pending() == []
    async with seeded.uow() as uow:
        await jobs.add(uow, TEAM_A, SESSION_JOB, SESSION, NOW)
        assert await jobs.pending() == []  # not visible before the commit
        await uow.commit()
    (job,) = await jobs.pending()
    assert (job.team_id, job.kind, job.ref, job.generation, job.attempts) == (TEAM_A, SESSION_JOB, SESSION, 1, 0)


async def test_repeated_requests_coalesce_into_one_job_per_document(seeded: Database) -> None:
    jobs = SqlIndexJobs(seeded.engine)
    await jobs.add_now(TEAM_A, SESSION_JOB, SESSION, NOW)
    await jobs.add_now(TEAM_A, SESSION_JOB, SESSION, NOW + timedelta(seconds=1))
    await jobs.add_now(TEAM_B, SESSION_JOB, SESSION, NOW)  # same ref, another team: another job
    await jobs.add_now(None, FLOWS_JOB, "", NOW)  # the public flows
    found = {(j.team_id, j.kind): j.generation for j in await jobs.pending()}
    assert found == {(TEAM_A, SESSION_JOB): 2, (TEAM_B, SESSION_JOB): 1, (None, FLOWS_JOB): 1}
    assert await jobs.counts() == {"pending": 3}


async def test_a_claim_is_a_lease_and_done_deletes_only_the_claimed_generation(seeded: Database) -> None:
    jobs = SqlIndexJobs(seeded.engine)
    await jobs.add_now(TEAM_A, SESSION_JOB, "s-1", NOW)
    await jobs.add_now(TEAM_A, SESSION_JOB, "s-2", NOW)
    first = await jobs.claim(NOW, LEASE, limit=1)
    assert [(j.ref, j.attempts) for j in first] == [("s-1", 1)]
    second = await jobs.claim(NOW, LEASE)
    assert [j.ref for j in second] == ["s-2"]  # s-1 is leased
    assert await jobs.claim(NOW, LEASE) == []
    assert [j.ref for j in await jobs.claim(LEASE + timedelta(seconds=1), LEASE + timedelta(minutes=5))] == [
        "s-1",
        "s-2",
    ]  # the leases ran out: a worker that died lets its jobs come back, each claim counted

    await jobs.add_now(TEAM_A, SESSION_JOB, "s-1", NOW)  # requested again while a worker holds it
    assert await jobs.done(first[0]) is False
    assert await jobs.done(second[0]) is True
    (again,) = await jobs.claim(NOW, LEASE)  # due at once, in its new generation
    assert (again.ref, again.generation, again.attempts) == ("s-1", 2, 1)
    assert await jobs.done(again) is True and await jobs.pending() == []


async def test_retry_later_give_up_and_retry_failed(seeded: Database) -> None:
    jobs = SqlIndexJobs(seeded.engine)
    await jobs.add_now(TEAM_A, SESSION_JOB, SESSION, NOW)
    (job,) = await jobs.claim(NOW, LEASE)
    await jobs.retry_at(job, NOW + timedelta(minutes=10), "Voyage down", NOW)
    assert await jobs.claim(NOW + timedelta(minutes=9), LEASE) == []
    (job,) = await jobs.claim(NOW + timedelta(minutes=10), LEASE)
    assert job.attempts == 2
    await jobs.give_up(job, "x" * 5000, NOW)
    assert await jobs.counts() == {"failed": 1}
    assert await jobs.claim(NOW + timedelta(days=1), LEASE) == []
    assert await jobs.retry_failed(NOW) == 1
    (job,) = await jobs.claim(NOW, LEASE)
    assert job.attempts == 1


async def test_jobs_go_with_their_team(seeded: Database) -> None:
    jobs = SqlIndexJobs(seeded.engine)
    await jobs.add_now(TEAM_A, SESSION_JOB, SESSION, NOW)
    async with seeded.uow() as uow:
        await uow.connection.execute(text("DELETE FROM teams WHERE id = 'team-a'"))
        await uow.commit()
    assert await jobs.pending() == []
