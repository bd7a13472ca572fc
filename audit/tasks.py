"""Scheduled audit jobs (thin: they call services and the reports' functions)."""

from celery import shared_task

from audit.reports.summaries import summaries_refresh
from audit.services import flags_recompute


@shared_task(name="audit.recompute_flags")
def recompute_flags() -> int:
    """Run the anomaly rules on every programme; returns how many new flags were raised."""
    return flags_recompute()


@shared_task(name="audit.refresh_report_summaries")
def refresh_report_summaries() -> int:
    """Move the reports' summaries up to what is settled; the watermark entry id after."""
    return summaries_refresh()
