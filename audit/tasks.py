"""Scheduled audit jobs (thin: they call the reports' functions)."""

from celery import shared_task

from audit.reports.summaries import summaries_refresh


@shared_task(name="audit.refresh_report_summaries")
def refresh_report_summaries() -> int:
    """Move the reports' summaries up to what is settled; the watermark entry id after."""
    return summaries_refresh()
