"""Thirty-two agents working one queue at once on PostgreSQL: no task twice, none lost.

Each thread is one agent with its own database connection, taking "next
task" and recording "reached" until nothing is left. Before they start, a
hundred tasks are held by agents whose browsers "crashed" half an hour ago:
their leases have run out, so the team must finish those too.
"""

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from huifang.accounts import roles
from huifang.accounts.services import user_create
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.followups.services.claims import task_claim_next
from huifang.followups.services.outcomes import attempt_record
from huifang.testing.workload import due_tasks

pytestmark = [
    pytest.mark.skipif(
        not connection.features.has_select_for_update_skip_locked,
        reason="SKIP LOCKED needs PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AGENTS = 32
TASKS = 2000
CRASHED = 100
# A working Monday morning, 10:00 in Shanghai.
START = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_32_agents_claim_and_complete_2000_tasks_once_each(departments):
    task_ids = due_tasks(count=TASKS, department=departments["medicine_ward"], now=START)
    agents = [
        user_create(
            username=f"agent{n:02d}",
            password=None,
            display_name=f"回访员{n}",
            roles=[roles.AGENT],
            departments=[departments["medicine"]],
        )
        for n in range(AGENTS + 1)
    ]
    crashed_agent, agents = agents[0], agents[1:]
    # Claimed at 10:00 by someone whose browser then died.
    FollowUpTask.objects.filter(pk__in=task_ids[:CRASHED]).update(
        claimed_by=crashed_agent, lease_expires_at=START + timedelta(minutes=30)
    )
    abandoned = task_ids[:CRASHED]
    reached = Outcome.objects.get(code="reached_patient")
    work_starts = START + timedelta(minutes=31)  # the abandoned leases have run out

    claimed: list[list[int]] = [[] for _ in agents]
    errors: list[BaseException] = []
    barrier = threading.Barrier(AGENTS)

    def work(index: int, agent) -> None:
        try:
            barrier.wait()
            while True:
                task = task_claim_next(agent=agent, now=work_starts)
                if task is None:
                    return
                claimed[index].append(task.pk)
                attempt_record(
                    task=task,
                    outcome=reached,
                    agent=agent,
                    at=work_starts,
                    expected_version=task.version,
                )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(work_starts + timedelta(minutes=1), tick=True):
        threads = [
            threading.Thread(target=work, args=(index, agent)) for index, agent in enumerate(agents)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)

    assert errors == []
    all_claims = [pk for per_agent in claimed for pk in per_agent]
    twice = [pk for pk, n in Counter(all_claims).items() if n > 1]
    assert twice == [], "tasks handed out twice"
    assert sorted(all_claims) == sorted(task_ids), "tasks lost"
    assert set(abandoned) <= set(all_claims), "expired leases were not taken over"
    attempts = Counter(ContactAttempt.objects.values_list("task_id", flat=True))
    assert len(attempts) == TASKS
    assert set(attempts.values()) == {1}
    assert FollowUpTask.objects.filter(pk__in=task_ids, status="done").count() == TASKS
    assert not FollowUpTask.objects.filter(claimed_by__isnull=False).exists()
    # Work was shared out, not done by one agent while the others waited.
    assert sum(1 for per_agent in claimed if per_agent) >= AGENTS // 2


def test_a_live_lease_holds_under_contention_and_an_expired_one_does_not(departments):
    task_ids = due_tasks(count=50, department=departments["medicine_ward"], now=START)
    holder, *others = [
        user_create(
            username=f"lease{n}",
            password=None,
            roles=[roles.AGENT],
            departments=[departments["medicine"]],
        )
        for n in range(9)
    ]
    FollowUpTask.objects.filter(pk__in=task_ids).update(
        claimed_by=holder, lease_expires_at=START + timedelta(minutes=30)
    )
    results: dict[str, list] = {"before": [], "after": []}
    lock = threading.Lock()

    def try_claim(agent, moment, key) -> None:
        try:
            task = task_claim_next(agent=agent, now=moment)
            with lock:
                results[key].append(task.pk if task else None)
        finally:
            connection.close()

    for key, moment in (
        ("before", START + timedelta(minutes=29)),
        ("after", START + timedelta(minutes=30, seconds=1)),
    ):
        threads = [threading.Thread(target=try_claim, args=(a, moment, key)) for a in others]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert results["before"] == [None] * len(others)
    taken = [pk for pk in results["after"] if pk is not None]
    assert len(taken) == len(others)
    assert len(set(taken)) == len(others)
