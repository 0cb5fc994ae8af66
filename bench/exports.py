"""The export figures of bench/run.py, measured in a fresh process (its own peak RSS):

- export_csv_activities_rows_per_s: the activity log of every activity as CSV, through the
  code the export view streams (exports.kinds rows + exports.formats.csv_chunks), written to
  /dev/null.
- export_peak_rss_mb: that process's peak RSS (VmHWM), Django included (goal < 150).
- export_csv_vs_copy: the export's time ÷ PostgreSQL's own COPY (SELECT ...) TO STDOUT
  (CSV) of the same query, read to the end in the same process (goal <= 3).
"""

import time


def measure(slug: str, peak_rss_kb) -> dict[str, float]:
    import os

    from django.db import connection

    from exports import kinds
    from exports.formats import csv_chunks
    from networks.models import Network

    network = Network.objects.get(slug=slug)
    kind = kinds.get("activities")
    activities = network.activities.all()

    started = time.perf_counter()
    rows = 0
    with open(os.devnull, "wb") as out:
        for chunk in csv_chunks(kind.columns, kind.rows(activities)):
            out.write(chunk)
            rows += chunk.count(b"\n")
    export_seconds = time.perf_counter() - started
    rows -= 1  # the header
    rss_mb = peak_rss_kb() / 1024

    sql, params = kinds.activity_values(activities).query.sql_with_params()
    started = time.perf_counter()
    copied = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not in Django's API
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:
            for data in copy:
                copied += bytes(data).count(b"\n")
    copy_seconds = time.perf_counter() - started
    assert copied - 1 == rows, (copied, rows)
    return {
        "export_rows": rows,
        "export_csv_seconds": export_seconds,
        "copy_csv_seconds": copy_seconds,
        "export_csv_activities_rows_per_s": rows / export_seconds,
        "export_peak_rss_mb": rss_mb,
        "export_csv_vs_copy": export_seconds / copy_seconds,
    }
