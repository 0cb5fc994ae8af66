"""gunicorn's settings for the production image (Dockerfile, docker-compose.yml).

Set here rather than left to gunicorn's defaults, each for a reason:
- timeout 30 s: every page answers in well under a second at 20,000 members and a million
  activities (bench/run.py); a request still running after 30 s is a bug to fix, not a
  limit to raise. Long work (report jobs, large exports) runs on the Celery worker.
- workers: sync workers, one request each; WEB_CONCURRENCY (gunicorn's own variable), by
  default two per CPU plus one, capped at 8 so that workers × DATABASE_POOL_MAX stays
  within PostgreSQL's max_connections (100 by default) beside the Celery worker.
- max_requests with jitter: workers are recycled now and then, so a slow leak cannot grow
  without bound, and not all at once.
- worker_tmp_dir in memory: the heartbeat file on a container's overlay filesystem can
  stall long enough for gunicorn to kill healthy workers.
"""

import multiprocessing
import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5  # behind a load balancer that keeps connections open
max_requests = 1000
max_requests_jitter = 100
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, not data
accesslog = "-"
