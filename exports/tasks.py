"""Celery tasks: thin wrappers around exports.services. Each is safe to run twice."""

from celery import shared_task

from exports import services


@shared_task
def run_export_job(job_id: int) -> bool:
    return services.export_job_run(job_id=job_id)


@shared_task
def run_member_import(import_id: int) -> bool:
    return services.member_import_run(import_id=import_id)


@shared_task
def delete_expired_exports() -> int:
    return services.expired_exports_delete()
