"""The worker's database connections outlive a task (config/celery.py)."""

from types import SimpleNamespace

from django.conf import settings

from config import celery


def test_celery_keeps_connections_between_tasks():
    # Celery's Django fixup closes them (and, on prefork, the pool) only every this many.
    assert celery.app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX > 0


def test_a_finished_task_hands_its_connections_back(monkeypatch):
    released = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: released.append(True))
    on_worker = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    in_process = SimpleNamespace(request=SimpleNamespace(is_eager=True))
    celery.release_connections(sender=in_process)
    assert released == []  # an in-process task runs inside its caller's connection
    celery.release_connections(sender=on_worker)
    assert released == [True]
