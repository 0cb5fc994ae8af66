import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("grove")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def release_connections(sender: Any = None, **kwargs: Any) -> None:
    """After each task on a worker, give its database connections back (to the pool, when
    there is one) and drop broken ones, as Django does after each request; Celery itself
    only closes them every CELERY_DB_REUSE_MAX tasks."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
