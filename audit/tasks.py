"""Scheduled audit jobs (thin: they call services)."""

from celery import shared_task

from audit.services import flags_recompute


@shared_task(name="audit.recompute_flags")
def recompute_flags() -> int:
    """Run the anomaly rules on every programme; returns how many new flags were raised."""
    return flags_recompute()
