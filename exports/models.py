"""Background exports and member imports: the files and progress of jobs too large to
answer in one request."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from networks.models import Network


class Status(models.TextChoices):
    WAITING = "waiting", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """An export over the streaming threshold, written to a file by a Celery task."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="export_jobs")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=40)
    format = models.CharField(max_length=10)
    # What the export was asked for: the URL's own arguments and its query string, read
    # again by the task with the owner's access at that moment.
    arguments = models.JSONField(default=dict, blank=True)
    query = models.TextField(blank=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")) | models.Q(rows_total=0),
                name="exports_exportjob_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("exports:job", kwargs={"network_slug": self.network.slug, "job_id": self.pk})

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED)

    @property
    def is_downloadable(self) -> bool:
        return self.status == Status.DONE and bool(self.file) and self.expires_at > timezone.now()


class MemberImport(models.Model):
    """An uploaded member file, kept from its preview to its confirmation (and, for a large
    file, while a background task writes it)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="member_imports")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_imports"
    )
    file_name = models.CharField(max_length=200)
    content = models.TextField()
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} into {self.network} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse(
            "exports:import", kwargs={"network_slug": self.network.slug, "import_id": self.pk}
        )

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED)
