"""Messaging benchmark: a campaign through the HTTP gateway backend to a local gateway.

Prints, in one run: messages/s end to end (the `huifang send-messages` worker
sending a started campaign), the gateway server's own capacity measured with a
bare client on the same machine just before, their ratio, and the duplicate
check after the worker was killed (SIGKILL) a third of the way through and a
new one resumed: every patient texted once, none twice.

    python bench/messaging.py [--messages 100000] [--database sqlite|postgres]

The database is a fresh one made for the run (see bench/import_encounters.py).
"""

import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from import_encounters import bench_environment, drop_database

SECRET = "bench-gateway-secret"  # noqa: S105  (a local test server)


def seed(messages: int) -> None:
    """Inside Django: patients with a mobile each, one campaign started to all of them."""
    import django

    django.setup()
    import datetime

    from huifang.accounts.models import Department
    from huifang.messaging.models import MessageTemplate
    from huifang.messaging.selectors import Cohort
    from huifang.messaging.services.campaigns import campaign_create, campaign_start
    from huifang.patients.models import Encounter, Patient, PhoneNumber

    department = Department.objects.create(code="MED", name="内科", kind="department")
    chunk = 5000
    for start in range(0, messages, chunk):
        ids = range(start, min(start + chunk, messages))
        patients = Patient.objects.bulk_create(
            [Patient(record_number=f"B{i:08d}", name="王芳", sex="F") for i in ids]
        )
        PhoneNumber.objects.bulk_create(
            [
                PhoneNumber(
                    patient=p,
                    number=f"+86139{i:08d}",
                    owner="self",
                    line_type="mobile",
                    status="valid",
                    is_primary=True,
                )
                for i, p in zip(ids, patients, strict=True)
            ]
        )
        Encounter.objects.bulk_create(
            [
                Encounter(
                    patient=p,
                    kind="inpatient",
                    number=f"ZY{i:08d}",
                    department=department,
                    discharged_on=datetime.date(2026, 11, 10),
                )
                for i, p in zip(ids, patients, strict=True)
            ]
        )
    template = MessageTemplate.objects.get(code="holiday-greeting")
    campaign = campaign_create(actor=None, name="bench", template=template, cohort=Cohort())
    campaign = campaign_start(actor=None, campaign=campaign)
    print(json.dumps({"recipients": campaign.recipients}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gateway_stats(url: str) -> dict:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", "/stats")
    stats = json.loads(connection.getresponse().read())
    connection.close()
    return stats


def gateway_capacity(url: str, count: int) -> float:
    """Requests/s the gateway takes from one bare client sending signed messages."""
    from huifang.messaging.backends.base import Outgoing
    from huifang.messaging.backends.http_gateway import HttpGatewayBackend

    backend = HttpGatewayBackend(name="reference", url=url, secret=SECRET)
    started = time.monotonic()
    for i in range(count):
        backend.send(
            Outgoing(key=f"reference:{i}", to=f"+8613{i:09d}", body="【示范人民医院】测试")
        )
    backend.close()
    return count / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--reference",
        type=int,
        default=0,
        help="reference requests (default: messages, at most 20,000)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="huifang-bench-messaging-"))
    env, base = bench_environment(work, args.database, "huifang_bench_messaging")
    port = free_port()
    env.update(
        HUIFANG_SMS_BACKEND="http",
        HUIFANG_SMS_GATEWAY_URL=f"http://127.0.0.1:{port}/send",
        HUIFANG_SMS_GATEWAY_SECRET=SECRET,
        HUIFANG_SMS_RATE="0",
        HUIFANG_SMS_QUIET_START="00:00",  # no quiet hours: the bench may run at night
        HUIFANG_SMS_QUIET_END="00:00",
        HUIFANG_MESSAGE_LEASE_SECONDS="2",
        LOG_LEVEL="WARNING",
    )
    huifang = [sys.executable, "-m", "huifang"]
    subprocess.run([*huifang, "migrate", "--verbosity", "0"], env=env, check=True)
    t0 = time.monotonic()
    seeded = subprocess.run(
        [sys.executable, __file__, "--seed", str(args.messages)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    recipients = json.loads(seeded.stdout.strip().splitlines()[-1])["recipients"]
    print(
        f"seeded {recipients:,} patients and started the campaign in {time.monotonic() - t0:.1f}s"
    )

    gateway = subprocess.Popen(
        [sys.executable, "-m", "huifang.messaging.testing", str(port), SECRET],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = json.loads(gateway.stdout.readline())["url"]
        reference_count = args.reference or min(args.messages, 20_000)
        capacity = gateway_capacity(url, reference_count)
        before = gateway_stats(url)["accepted"]
        print(
            f"gateway capacity (bare client, {reference_count:,} requests): {capacity:,.0f} messages/s"
        )

        sender = [*huifang, "send-messages", "--channel", "sms", "--until-idle", "--batch", "1000"]
        started = time.monotonic()
        worker = subprocess.Popen(sender, env=env)
        while gateway_stats(url)["accepted"] - before < recipients // 3 and worker.poll() is None:
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        first = time.monotonic() - started
        at_kill = gateway_stats(url)["accepted"] - before
        print(f"killed the worker after {at_kill:,} messages; resuming after the lease ({2}s)")
        time.sleep(2.5)
        started = time.monotonic()
        subprocess.run(sender, env=env, check=True)
        second = time.monotonic() - started
        stats = gateway_stats(url)
    finally:
        gateway.terminate()
        gateway.wait()

    delivered = stats["accepted"] - before
    rate = delivered / (first + second)
    print(f"sent {delivered:,} of {recipients:,} in {first + second:.1f}s: {rate:,.0f} messages/s")
    print(f"ratio to the gateway's own capacity: {rate / capacity:.2f}")
    print(
        f"resends recognised by the gateway: {stats['duplicates']:,}; "
        f"patients texted twice: {stats['numbers_texted_twice']}; "
        f"rejected signatures: {stats['rejected']}"
    )
    ok = delivered == recipients and stats["numbers_texted_twice"] == 0
    if args.database == "postgres":
        drop_database(base, "huifang_bench_messaging")
    print("OK: every patient once, none twice" if ok else "FAILED: see the counts above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seed":
        seed(int(sys.argv[2]))
    else:
        main()
