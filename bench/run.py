#!/usr/bin/env python
"""Grove's benchmark: prints one `name: value` line per figure, all from the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/grove_bench python bench/run.py [--quick]

It DROPS and recreates the database named in DATABASE_URL (default grove_bench; the name
must contain "bench"), migrates it, loads two networks of the same density with
`seed_scale` (two years of history, and one year), runs VACUUM ANALYZE on the seeded
tables (so results do not depend on table state; the output says so), then measures:

- report_job_vs_raw_sql: one period's reports for every group through the path beat runs
  (the network's shared figures once, then `compute_group_reports` per batch of groups,
  with its arguments through JSON as Celery passes them) ÷ the tightest raw SQL giving the same
  numbers from the raw tables (goal <= 1.5). Reports are deleted between repetitions.
- report_delivery_s, mails_per_s: the period's close as production runs it, when REDIS_URL
  names a Redis (e.g. redis://127.0.0.1:6379/12): a real `celery worker --concurrency 2`
  (prefork) on a queue of its own writes the reports (compute_group_reports, queued as beat
  does) and mails them (deliver_report, send_report_emails) to a local aiosmtpd sink in its
  own process; report_delivery_s runs from the start of the report job to the last mail
  the sink accepted, mails_per_s over the mailing; deliveries_left_pending. Without
  REDIS_URL, in-process (one process, sequential), and the output says so.
- report_history_growth: the same job on the two-year network ÷ on the one-year network,
  each for its last closed period (goal <= 1.2).
- page_<name>_cold_vs_bare and page_<name>_warm_vs_bare: each page through the Django test
  client in a fresh process (as a web worker serves it), with Django's cache cleared
  before every request (cold) and not (warm), ÷ a bare login-protected view that checks
  the network's access policy and runs one indexed query (bench/urls.py) (goal <= 5, aim
  3). Each is the median of PAGE_ROUNDS requests of the page ÷ the median over those
  rounds of the bare view's time (each round's the median of its two bare requests, made
  right before the page's): interleaved, so load changing during the run (these machines
  share their cores) moves both sides alike.
- api_activities_page_vs_bare_view: one page of 100 activities through the API (token auth,
  cursor pagination, participants and contributions) ÷ the same bare view (goal <= 3).
- report_peak_rss_mb: peak RSS (VmHWM) of a fresh process running the report job, Django
  included (goal <= 300).
- export_csv_activities_rows_per_s, export_peak_rss_mb, export_csv_vs_copy: the activity
  log exported as CSV, in a fresh process, against PostgreSQL's COPY (bench/exports.py).
- load_average: the machine's load when the run began and ended.

`--reuse --reports` measures only the report job, its growth, peak RSS and delivery.
`--reuse --pages [NAME ...]` measures only the pages (all, or those named) on the data a
previous run left, with each cold request's query count and slowest queries.
"""

import argparse
import datetime as dt
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/grove_bench"
FULL = {"groups": 200, "members": 20_000, "activities": 1_000_000, "referrals": 100_000}
QUICK = {"groups": 20, "members": 1_000, "activities": 20_000, "referrals": 2_000}
YEARS = 2
PAGE_ROUNDS = 21  # requests of each page, cold and warm, each beside the bare view (a median
# of 9 moved a page by up to 0.6x between runs of nearly the same code)
SLUG = "bench"
SLUG_1Y = "bench1y"  # the same density over one year: half the activities and referrals


# The broker of the real worker that delivery is measured on; the benchmark's own process
# runs its tasks in-process (configure_environment drops REDIS_URL for it).
WORKER_REDIS_URL = os.environ.get("REDIS_URL", "")


def configure_environment() -> str:
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ["DEBUG"] = "false"  # no query log, cached templates: what production runs
    os.environ.pop("REDIS_URL", None)  # in-process tasks, in-memory cache
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{SINK_PORT}"
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SINK_PORT = _free_port()


def start_sink() -> subprocess.Popen:
    """aiosmtpd's Sink (accepts and drops every mail) in its own process, as a mail
    server would be: the benchmark's own process does not pay for it."""
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SINK_PORT}"]
        + ["-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", SINK_PORT), timeout=0.5).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    sys.exit("The aiosmtpd sink did not start.")


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/run.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


# ---------------------------------------------------------------- the report job


def delete_reports(network, period) -> None:
    from objectives.models import ProgressReport

    ProgressReport.objects.filter(network=network, period_start=period.start).delete()


def report_job(network, period) -> float:
    """The period's reports the way beat writes them (objectives.tasks.schedule_due_reports):
    the shared figures once, then one compute_group_reports task per batch of groups, whose
    arguments Celery would carry as JSON. Without delivery: mails are timed apart."""
    from objectives import services, tasks

    delete_reports(network, period)
    started = time.perf_counter()
    figures = services.network_figures(network=network, period=period)
    missing = list(services.groups_missing_report(network, period).values_list("pk", flat=True))
    written = 0
    for first in range(0, len(missing), tasks.GROUPS_PER_TASK):
        batch = missing[first : first + tasks.GROUPS_PER_TASK]
        own = json.loads(json.dumps(services.figures_for_groups(figures, batch)))
        args = (network.pk, batch, period.start.isoformat(), period.end.isoformat(), own, False)
        written += tasks.compute_group_reports(*args)
    elapsed = time.perf_counter() - started
    assert written > 0, "the report job wrote nothing"
    return elapsed


def deliver_period(network, period) -> tuple[float, int, int]:
    """(seconds, mails sent, deliveries left pending) for every report of the period, by
    deliver_report and its batched send_report_emails tasks, to the local sink."""
    from objectives import tasks
    from objectives.models import ProgressReport, ReportDelivery

    reports = list(
        ProgressReport.objects.filter(network=network, period_start=period.start).values_list(
            "pk", flat=True
        )
    )
    ReportDelivery.objects.filter(report_id__in=reports).delete()
    started = time.perf_counter()
    for report_id in reports:
        tasks.deliver_report(report_id)
    elapsed = time.perf_counter() - started
    emails = ReportDelivery.objects.filter(report_id__in=reports, channel="email")
    sent = emails.filter(state="sent").count()
    pending = emails.exclude(state="sent").count()
    return elapsed, sent, pending


def start_worker(url: str, queue: str) -> subprocess.Popen:
    """`celery -A config worker --concurrency 2` (prefork, as production runs it) on its own
    queue of WORKER_REDIS_URL, against the benchmark database, mailing to the sink."""
    env = os.environ | {
        "DATABASE_URL": url,
        "REDIS_URL": WORKER_REDIS_URL,
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{SINK_PORT}",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2",
         "--pool", "prefork", "-Ofair", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel=INFO", "-Q", queue, "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    log: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in worker.stdout:  # type: ignore[union-attr]
            log[:] = [*log[-40:], line]
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout=60):
        stop_worker(worker, queue)
        sys.exit("The Celery worker did not start:\n" + "".join(log))
    worker.log = log  # type: ignore[attr-defined]
    return worker


def stop_worker(worker: subprocess.Popen, queue: str) -> None:
    import redis

    worker.terminate()  # warm shutdown: the parent stops its two children
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, 9)  # the worker's own process group, started above
        worker.wait(timeout=10)
    client = redis.Redis.from_url(WORKER_REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


def close_to_last_mail_on_worker(network, period, url: str) -> dict:
    """The period's close as production runs it, on a real worker of concurrency 2: from
    the start of the report job (the scheduler's shared figures, then one
    compute_group_reports task per batch of groups, queued to Redis) to the last mail the
    worker's deliver_report and send_report_emails tasks hand to the sink."""
    import uuid

    from celery import Celery
    from django.db.models import Max, Min

    from groups.models import GroupMembership
    from objectives import services, tasks
    from objectives.models import ProgressReport, ReportDelivery

    queue = f"grove-bench-{uuid.uuid4().hex[:10]}"
    worker = start_worker(url, queue)
    sender = Celery(broker=WORKER_REDIS_URL, set_as_current=False)
    try:
        delete_reports(network, period)
        groups = list(services.groups_missing_report(network, period).values_list("pk", flat=True))
        expected = GroupMembership.objects.filter(group_id__in=groups, user__is_active=True)
        deliveries_expected = expected.count()
        started_at = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        figures = services.network_figures(network=network, period=period)
        for first in range(0, len(groups), tasks.GROUPS_PER_TASK):
            batch = groups[first : first + tasks.GROUPS_PER_TASK]
            args = (network.pk, batch, period.start.isoformat(), period.end.isoformat(),
                    services.figures_for_groups(figures, batch), True)  # fmt: skip
            sender.send_task("objectives.tasks.compute_group_reports", args=args, queue=queue)
        reports = ProgressReport.objects.filter(network=network, period_start=period.start)
        deliveries = ReportDelivery.objects.filter(
            report__network=network, report__period_start=period.start
        )
        waiting = [ReportDelivery.State.PENDING, ReportDelivery.State.SENDING]
        while time.perf_counter() - started < 600:
            time.sleep(1)
            if (
                reports.count() == len(groups)
                and deliveries.count() == deliveries_expected
                and not deliveries.filter(channel="email", state__in=waiting).exists()
            ):
                break
        else:
            print("report_delivery_timeout: 600 s; the worker's log ends:", file=sys.stderr)
            print("".join(worker.log), file=sys.stderr)  # type: ignore[attr-defined]
        emails = deliveries.filter(channel="email")
        span = emails.filter(state="sent").aggregate(first=Min("sent_at"), last=Max("sent_at"))
        written = reports.aggregate(last=Max("created_at"))["last"]
        return {
            "reports": reports.count(),
            "written_s": (written - started_at).total_seconds() if written else float("nan"),
            "last_mail_s": (span["last"] - started_at).total_seconds() if span["last"] else 0,
            "mail_window_s": (span["last"] - span["first"]).total_seconds() if span["last"] else 0,
            "sent": emails.filter(state="sent").count(),
            "pending": emails.filter(state__in=waiting).count(),
            "failed": emails.filter(state=ReportDelivery.State.FAILED).count(),
        }
    finally:
        sender.close()
        stop_worker(worker, queue)


def measure_delivery(network, period, url: str) -> None:
    sink = start_sink()
    try:
        if WORKER_REDIS_URL:
            found = close_to_last_mail_on_worker(network, period, url)
            print("report_delivery_mode: a real Celery worker, prefork --concurrency 2, on Redis")
            print(f"report_close_reports_written_s: {found['written_s']:.1f}")
            print(f"report_delivery_s: {found['last_mail_s']:.1f}  (close -> last mail sent)")
            print(f"mails_sent: {found['sent']}")
            window = found["mail_window_s"] or float("nan")
            print(f"mails_per_s: {found['sent'] / window:.1f}  (first -> last mail)")
            print(f"deliveries_left_pending: {found['pending']}")
            print(f"deliveries_failed: {found['failed']}")
        else:
            seconds, sent, pending = deliver_period(network, period)
            print("report_delivery_mode: in-process, one process (set REDIS_URL for a worker)")
            print(f"report_delivery_s: {seconds:.1f}")
            print(f"mails_sent: {sent}")
            print(f"mails_per_s: {sent / seconds:.1f}")
            print(f"deliveries_left_pending: {pending}")
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def child_report(start: str, end: str) -> None:
    """Runs in a fresh process so its peak RSS is the report job's alone."""
    setup_django()
    from networks.models import Network
    from objectives.figures import ReportPeriod

    network = Network.objects.get(slug=SLUG)
    period = ReportPeriod(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    report_job(network, period)
    print(f"child_rss_mb: {peak_rss_kb() / 1024:.1f}")


def child_export() -> None:
    """Runs in a fresh process so its peak RSS is the export's alone."""
    setup_django()
    from bench.exports import measure

    figures = measure(SLUG, peak_rss_kb)
    print(f"export_rows: {figures['export_rows']:,.0f}")
    print(f"export_csv_seconds: {figures['export_csv_seconds']:.2f}")
    print(f"copy_csv_seconds: {figures['copy_csv_seconds']:.2f}")
    print(f"export_csv_activities_rows_per_s: {figures['export_csv_activities_rows_per_s']:,.0f}")
    print(f"export_peak_rss_mb: {figures['export_peak_rss_mb']:.1f}")
    print(f"export_csv_vs_copy: {figures['export_csv_vs_copy']:.2f}")


def child_pages(names: list[str], explain: bool) -> None:
    """The pages (all, or those named), in a fresh process as a web worker serves them:
    not in the process that seeded a million rows and wrote a period's reports."""
    setup_django()
    from networks.models import Network
    from objectives.figures import last_closed_period

    network = Network.objects.get(slug=SLUG)
    recent = last_closed_period(network)
    measure_pages(network, recent, names or None, rounds=PAGE_ROUNDS, explain=explain)


def pages_in_a_fresh_process(names: list[str], explain: bool = False) -> None:
    sys.stdout.flush()
    command = [sys.executable, __file__, "--child-pages", *names]
    subprocess.run(command + (["--child-explain"] if explain else []), check=True)


def peak_rss_kb() -> int:
    """This process's peak RSS. getrusage's ru_maxrss survives fork + exec, so a child
    started by the big benchmark process would report the parent's size; VmHWM belongs to
    the process's own address space, created fresh by exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------- the raw SQL baseline


def raw_sql_figures(network, period) -> dict:
    """The numbers one period's reports hold, for every group, in a handful of SQL queries."""
    from django.db import connection

    s, e = period.start, period.end
    end_at = dt.datetime.combine(e, dt.time(), tzinfo=network.tz)
    nid = network.pk
    out: dict = {}
    with connection.cursor() as cur:

        def rows(query: str, params: list) -> list[tuple]:
            cur.execute(query, params)
            return cur.fetchall()

        groups = rows(
            "SELECT id FROM groups_peergroup WHERE network_id = %s"
            " AND (archived_at IS NULL OR archived_at >= %s)",
            [nid, end_at],
        )
        measures = rows(
            "SELECT m.id, m.source, m.activity_kinds, o.starts_on, m.baseline, m.target"
            " FROM objectives_measure m JOIN objectives_objective o ON o.id = m.objective_id"
            " WHERE o.network_id = %s AND o.starts_on < %s"
            " AND (o.archived_at IS NULL OR o.archived_at >= %s)",
            [nid, e, end_at],
        )
        by_source = defaultdict(list)
        for m in measures:
            # Django reads jsonb as text; the kinds list arrives as JSON.
            kinds = json.loads(m[2]) if isinstance(m[2], str) else m[2]
            by_source[m[1]].append((m[0], m[1], kinds, *m[3:]))
        values: dict[int, Decimal] = {}
        parts: dict[tuple[int, int], Decimal] = {}

        if counted := by_source["activity_count"]:
            cols, params = [], []
            for _, _, kinds, starts, *_ in counted:
                cols.append(
                    "COUNT(*) FILTER (WHERE occurred_on >= %s"
                    + (" AND kind = ANY(%s))" if kinds else ")")
                )
                params += [starts, kinds] if kinds else [starts]
            low = min(m[3] for m in counted)
            total = rows(
                f"SELECT {', '.join(cols)} FROM groups_activity"  # noqa: S608
                " WHERE network_id = %s AND occurred_on >= %s AND occurred_on < %s",
                [*params, nid, low, e],
            )[0]
            values.update({m[0]: Decimal(v) for m, v in zip(counted, total, strict=True)})
            cols, params = [], []
            for _, _, kinds, starts, *_ in counted:
                cols.append(
                    "COUNT(*) FILTER (WHERE occurred_on >= %s"
                    + (" AND kind = ANY(%s))" if kinds else ")")
                )
                params += [max(starts, s), kinds] if kinds else [max(starts, s)]
            for gid, *counts in rows(
                f"SELECT group_id, {', '.join(cols)} FROM groups_activity"  # noqa: S608
                " WHERE network_id = %s AND occurred_on >= %s AND occurred_on < %s"
                " GROUP BY group_id",
                [*params, nid, s, e],
            ):
                for m, v in zip(counted, counts, strict=True):
                    if v:
                        parts[(m[0], gid)] = Decimal(v)

        if summed := by_source["activity_sum"]:
            ids = [m[0] for m in summed]
            # All of a measure's contributions, less those after the period: joining only
            # the few activities after it instead of all history.
            for mid, total in rows(
                "SELECT measure_id, SUM(amount) FROM objectives_contribution"
                " WHERE measure_id = ANY(%s) GROUP BY 1",
                [ids],
            ):
                values[mid] = total
            for mid, after in rows(
                "SELECT c.measure_id, SUM(c.amount) FROM objectives_contribution c"
                " JOIN groups_activity a ON a.id = c.activity_id WHERE c.measure_id = ANY(%s)"
                " AND a.network_id = %s AND a.occurred_on >= %s GROUP BY 1",
                [ids, nid, e],
            ):
                values[mid] -= after
            for gid, mid, total in rows(
                "SELECT a.group_id, c.measure_id, SUM(c.amount) FROM objectives_contribution c"
                " JOIN groups_activity a ON a.id = c.activity_id WHERE c.measure_id = ANY(%s)"
                " AND a.occurred_on >= %s AND a.occurred_on < %s GROUP BY 1, 2",
                [ids, s, e],
            ):
                parts[(mid, gid)] = total

        referred = [
            m
            for source in ("referrals_made", "referrals_served", "referrals_closed_value")
            for m in by_source[source]
        ]
        day = {"referrals_made": "made_on", "referrals_served": "served_on"}
        cols, params = [], []
        for _, source, _, starts, *_ in referred:
            field = day.get(source, "closed_on")
            agg = "SUM(closed_value)" if source == "referrals_closed_value" else "COUNT(*)"
            cols.append(f"{agg} FILTER (WHERE {field} >= %s AND {field} < %s)")
            params += [starts, e]
        if referred:
            total = rows(
                f"SELECT {', '.join(cols)} FROM referrals_referral"  # noqa: S608
                " WHERE network_id = %s AND made_on < %s",
                [*params, nid, e],
            )[0]
            values.update({m[0]: Decimal(v or 0) for m, v in zip(referred, total, strict=True)})
        made_p = "made_on >= %s AND made_on < %s"
        served_p = "served_on >= %s AND served_on < %s"
        closed_p = "closed_on >= %s AND closed_on < %s"
        referral_rows = rows(
            f"SELECT group_id, COUNT(*) FILTER (WHERE {made_p}),"
            f" COUNT(*) FILTER (WHERE {served_p}), SUM(closed_value) FILTER (WHERE {closed_p}),"
            f" COUNT(*) FILTER (WHERE {made_p} AND r.first_touch_on < %s)"
            " FROM referrals_referral r WHERE network_id = %s"
            f" AND (({made_p}) OR ({served_p}) OR ({closed_p})) GROUP BY group_id",
            [s, e, s, e, s, e, s, e, e, nid, s, e, s, e, s, e],
        )
        out["referrals"] = {r[0]: r[1:] for r in referral_rows}
        for gid, made, served, closed, _ in referral_rows:
            for m in referred:
                v = {"referrals_made": made, "referrals_served": served}.get(m[1], closed)
                if v:
                    parts[(m[0], gid)] = Decimal(v)

        if manual := by_source["manual"]:
            ids = [m[0] for m in manual]
            for mid, value in rows(
                "SELECT DISTINCT ON (measure_id) measure_id, value FROM objectives_checkin"
                " WHERE measure_id = ANY(%s) AND group_id IS NULL AND recorded_on < %s"
                " ORDER BY measure_id, recorded_on DESC, id DESC",
                [ids, e],
            ):
                values[mid] = value
            for mid, gid, value in rows(
                "SELECT DISTINCT ON (measure_id, group_id) measure_id, group_id, value"
                " FROM objectives_checkin WHERE measure_id = ANY(%s) AND group_id IS NOT NULL"
                " AND recorded_on >= %s AND recorded_on < %s"
                " ORDER BY measure_id, group_id, recorded_on DESC, id DESC",
                [ids, s, e],
            ):
                parts[(mid, gid)] = value

        activity_rows = rows(
            "SELECT group_id, kind, COUNT(*), SUM(people_reached) FROM groups_activity"
            " WHERE network_id = %s AND occurred_on >= %s AND occurred_on < %s GROUP BY 1, 2",
            [nid, s, e],
        )
        led = rows(
            "SELECT group_id, led_by_id, COUNT(*) FROM groups_activity"
            " WHERE network_id = %s AND occurred_on >= %s AND occurred_on < %s GROUP BY 1, 2",
            [nid, s, e],
        )
        joined = rows(
            "SELECT a.group_id, p.user_id, COUNT(*) FROM groups_activity_participants p"
            " JOIN groups_activity a ON a.id = p.activity_id"
            " WHERE a.network_id = %s AND a.occurred_on >= %s AND a.occurred_on < %s"
            " GROUP BY 1, 2",
            [nid, s, e],
        )
        scores: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for gid, uid, n in [*led, *joined]:
            scores[gid][uid] += n
        top = {
            gid: sorted(users, key=lambda u, us=users: (-us[u], u))[:5]
            for gid, users in scores.items()
        }
        names = dict(
            rows(
                "SELECT id, name FROM networks_user WHERE id = ANY(%s)",
                [[uid for uids in top.values() for uid in uids]],
            )
        )
        newest = rows(
            "SELECT group_id, title, kind, occurred_on FROM (SELECT group_id, title, kind,"
            " occurred_on, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY occurred_on DESC,"
            " id DESC) AS n FROM groups_activity WHERE network_id = %s AND occurred_on >= %s"
            " AND occurred_on < %s) ranked WHERE n <= 5",
            [nid, s, e],
        )
        previous = rows(
            "SELECT DISTINCT ON (group_id) group_id, data FROM objectives_progressreport"
            " WHERE network_id = %s AND period_start < %s AND period_start >= %s"
            " ORDER BY group_id, period_start DESC",
            [nid, s, s - dt.timedelta(days=400)],
        )
    activities: dict[int, int] = defaultdict(int)
    for gid, _, n, _ in activity_rows:
        activities[gid] += n
    out.update(
        groups=[g[0] for g in groups],
        values=values,
        parts=parts,
        activities=activities,
        top={gid: [names.get(u, "") for u in uids] for gid, uids in top.items()},
        newest=len(newest),
        previous=len(previous),
    )
    return out


def raw_matches_reports(network, period, raw: dict) -> bool:
    """Spot check that the baseline computes what the reports hold."""
    from objectives.models import ProgressReport

    for report in ProgressReport.objects.filter(network=network, period_start=period.start):
        data, gid = report.data, report.group_id
        if data["activities"]["total"] != raw["activities"].get(gid, 0):
            return False
        if data["referrals"]["made"] != raw["referrals"].get(gid, (0,))[0]:
            return False
        for objective in data["objectives"]:
            for m in objective["measures"]:
                if Decimal(m["value"]) != raw["values"].get(m["id"], Decimal(m["baseline"])):
                    return False
                own = Decimal(m["group_contribution"] or 0)
                if own != raw["parts"].get((m["id"], gid), Decimal(0)):
                    return False
    return True


# ---------------------------------------------------------------- pages


def time_requests(client, url: str, repeat: int, before=None) -> float:
    timings = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url, secure=True)  # production redirects http to https
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def beside_bare(client, url: str, session, bare: str, rounds: int, before=None) -> tuple:
    """(median time of `url`, median time of the bare view) over `rounds` rounds of two bare
    requests then one of `url`: interleaved, so that a change in the machine's load (these
    machines share their cores) moves both sides of a ratio alike."""
    times, bare_times = [], []
    for _ in range(rounds):
        bare_times.append(time_requests(session, bare, 2))
        times.append(time_requests(client, url, 1, before=before))
    return statistics.median(times), statistics.median(bare_times)


def api_activities_page_vs_bare_view(network, user, bare: str, session, rounds: int) -> None:
    """One page of 100 activities through the API, as a script with a token would read it."""
    from django.test import Client

    from networks.services import api_token_create

    _, text = api_token_create(user=user, name="bench", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {text}")
    url = f"/api/v1/networks/{network.slug}/activities/?page_size=100"
    client.get(url, secure=True)
    api_time, bare_time = beside_bare(client, url, session, bare, rounds)
    print(
        f"api_activities_page_ms: {api_time * 1000:.1f}  (bare view beside it: "
        f"{bare_time * 1000:.1f})"
    )
    print(f"api_activities_page_vs_bare_view: {api_time / bare_time:.2f}")


def explain_page(client, page: str) -> None:
    """A cold request's query count, time in SQL and slowest queries."""
    from django.core.cache import cache
    from django.db import connection

    timed: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - started, sql))

    cache.clear()
    with connection.execute_wrapper(record):
        client.get(page, secure=True)
    in_sql = sum(t for t, _ in timed)
    print(f"  {len(timed)} queries, {in_sql * 1000:.1f} ms in SQL; slowest:")
    for seconds, sql in sorted(timed, reverse=True)[:4]:
        print(f"  {seconds * 1000:8.1f} ms  {sql[:240]}")


def measure_pages(network, recent, names: list[str] | None, *, rounds: int, explain=False):
    """Every page (or those named) cold and warm against the bare view; with `explain`, the
    query count and the slowest queries of a cold request too."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from networks.models import Membership

    organiser = Membership.objects.filter(network=network, role="organiser").first().user
    client = Client()
    client.force_login(organiser)
    bare = reverse("bench_bare", kwargs={"network_id": network.pk}) + f"?day={recent.start}"
    client.get(bare, secure=True)
    print(f"bare_view_ms: {time_requests(client, bare, 20) * 1000:.1f}")
    print(f"pages_measured_as: the median of {rounds} requests, each after two of the bare view")
    for name, page in pages(network, organiser):
        if names and name not in names:
            continue
        cold, here = beside_bare(client, page, client, bare, rounds, before=cache.clear)
        client.get(page, secure=True)
        warm, here_warm = beside_bare(client, page, client, bare, rounds)
        print(f"page_{name}_cold_ms: {cold * 1000:.1f}  (bare view beside it: {here * 1000:.1f})")
        print(f"page_{name}_cold_vs_bare: {cold / here:.2f}")
        print(f"page_{name}_warm_vs_bare: {warm / here_warm:.2f}")
        if explain:
            explain_page(client, page)
    if not names or "api" in names:
        api_activities_page_vs_bare_view(network, organiser, bare, client, rounds)


# ---------------------------------------------------------------- main


def vacuum_analyze() -> None:
    from django.db import connection

    tables = [
        "networks_user", "networks_membership", "groups_peergroup", "groups_groupmembership",
        "groups_activity", "groups_activity_participants", "objectives_contribution",
        "objectives_activitymonth", "objectives_contributionmonth", "objectives_referralmonth",
        "objectives_networkactivitymonth", "objectives_networkcontributionmonth",
        "objectives_networkreferralmonth",
        "objectives_membertotal", "objectives_measuretotal", "objectives_checkin",
        "referrals_referral", "referrals_touchpoint", "objectives_progressreport",
        "objectives_reportdelivery",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 - our own table names
    print(f"vacuum_analyze: done on {len(tables)} seeded tables before measuring")


def pages(network, organiser) -> list[tuple[str, str]]:
    """(name, url) of every page the issue names, for an organiser of the network."""
    from django.urls import reverse

    from groups.models import PeerGroup
    from objectives.models import Objective, ProgressReport

    slug = network.slug
    group = PeerGroup.objects.filter(network=network).order_by("pk").first()
    objective = (
        Objective.objects.filter(network=network, measures__source="activity_sum")
        .order_by("pk")
        .first()
    )
    report = ProgressReport.objects.filter(network=network).order_by("-period_start").first()
    n = {"network_slug": slug}
    g = n | {"group_slug": group.slug}
    found = [
        ("network_home", reverse("network_home", kwargs=n)),
        ("objective_list", reverse("objectives:list", kwargs=n)),
        ("objective_page", reverse("objectives:detail", kwargs=n | {"objective_id": objective.pk})),
        ("dashboard", reverse("objectives:dashboard", kwargs=n)),
        ("group_dashboard", reverse("objectives:group_dashboard", kwargs=g)),
        ("my_contribution", reverse("objectives:my_contribution", kwargs=n)),
        ("console", reverse("objectives:console", kwargs=n)),
        ("value", reverse("objectives:value", kwargs=n)),
        ("reports", reverse("objectives:reports", kwargs=n)),
        ("group_list", reverse("groups:list", kwargs=n)),
        ("group_page", reverse("groups:detail", kwargs=g)),
        ("activity_list", reverse("groups:activities", kwargs=n)),
        ("members", reverse("members:list", kwargs=n)),
        ("people_search", reverse("members:search", kwargs=n) + "?field=user&user_q=an"),
    ]
    if report is not None:
        found.append(("report", reverse("objectives:report", kwargs=n | {"report_id": report.pk})))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, a few minutes")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data a previous run left (no reseed)"
    )
    parser.add_argument(
        "--pages",
        nargs="*",
        metavar="NAME",
        help="with --reuse: only the pages (all, or those named, e.g. dashboard console), "
        "each with its query count and slowest queries; then stop",
    )
    parser.add_argument(
        "--reports",
        action="store_true",
        help="with --reuse: only the report job, its history growth, peak RSS and delivery "
        "(on a real worker when REDIS_URL is set); then stop",
    )
    parser.add_argument("--child-report", nargs=2, metavar=("START", "END"), help=argparse.SUPPRESS)
    parser.add_argument("--child-export", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-pages", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--child-explain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = configure_environment()
    if args.child_report:
        child_report(*args.child_report)
        return
    if args.child_export:
        child_export()
        return
    if args.child_pages is not None:
        child_pages(args.child_pages, args.child_explain)
        return

    print("load_average_at_start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    sizes = QUICK if args.quick else FULL
    half = sizes | {"activities": sizes["activities"] // 2, "referrals": sizes["referrals"] // 2}
    repeat = 5 if args.quick else 3
    if not args.reuse:
        recreate_database(url)
    setup_django()
    from django.core.management import call_command

    from networks.models import Network
    from objectives.figures import last_closed_period, period_containing
    from objectives.services import reports_for_period

    call_command("migrate", verbosity=0)
    today = dt.date.today()
    if not (args.reuse and Network.objects.filter(slug=SLUG).exists()):
        for slug, years, size in ((SLUG, YEARS, sizes), (SLUG_1Y, 1, half)):
            started = time.perf_counter()
            call_command(
                "seed_scale", network=slug, years=years, end=today, stdout=sys.stderr, **size
            )
            print(f"seed_seconds_{slug}: {time.perf_counter() - started:.1f}")
    print(
        "data: "
        + ", ".join(f"{k}={v:,}" for k, v in sizes.items())
        + f", years={YEARS}; and {half['activities']:,} activities, "
        + f"{half['referrals']:,} referrals over 1 year; database={urlsplit(url).path.lstrip('/')}"
    )
    vacuum_analyze()

    network = Network.objects.get(slug=SLUG)
    network_1y = Network.objects.get(slug=SLUG_1Y)
    recent = last_closed_period(network)
    # Each measured period has the report before it, as in production ("change since").
    for net in (network, network_1y):
        before = period_containing(net, recent.start - dt.timedelta(days=1))
        reports_for_period(
            network=net, period_start=before.start, period_end=before.end, deliver=False
        )

    if args.pages is not None:
        pages_in_a_fresh_process(args.pages, explain=True)
        return

    measure_reports(network, network_1y, recent, url, repeat)
    if args.reports:
        print("load_average_at_end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        return

    pages_in_a_fresh_process([])

    exported = subprocess.run(
        [sys.executable, __file__, "--child-export"], capture_output=True, text=True, check=True
    )
    print(exported.stdout, end="")
    print("load_average_at_end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def measure_reports(network, network_1y, recent, url: str, repeat: int) -> None:
    """The report job against the raw SQL, its growth with history, its peak RSS, and the
    period's delivery."""
    report_job(network, recent)  # warm the caches once, untimed
    raw = raw_sql_figures(network, recent)
    # Alternated, so that both see the same load on a shared machine.
    job_times, raw_times = [], []
    for _ in range(repeat):
        job_times.append(report_job(network, recent))
        t0 = time.perf_counter()
        raw = raw_sql_figures(network, recent)
        raw_times.append(time.perf_counter() - t0)
    job = statistics.median(job_times)
    raw_time = statistics.median(raw_times)
    print(f"report_job_seconds: {job:.3f}")
    print(f"raw_sql_seconds: {raw_time:.3f}")
    print(
        f"raw_sql_matches_reports: {'yes' if raw_matches_reports(network, recent, raw) else 'NO'}"
    )
    print(f"report_job_vs_raw_sql: {job / raw_time:.2f}")

    report_job(network_1y, recent)
    # Alternated with the two-year network's job, for the same reason.
    two_years, one_year = [], []
    for _ in range(repeat):
        one_year.append(report_job(network_1y, recent))
        two_years.append(report_job(network, recent))
    job_1y = statistics.median(one_year)
    print(f"report_job_1y_history_seconds: {job_1y:.3f}")
    print(f"report_history_growth: {statistics.median(two_years) / job_1y:.2f}")

    from django.db import connections

    connections.close_all()
    child = subprocess.run(
        [sys.executable, __file__, "--child-report", str(recent.start), str(recent.end)],
        capture_output=True,
        text=True,
        check=True,
    )
    child_mb = float(child.stdout.split("child_rss_mb:")[1].split()[0])
    print(f"report_peak_rss_mb: {child_mb:.1f}")

    measure_delivery(network, recent, url)


if __name__ == "__main__":
    main()
