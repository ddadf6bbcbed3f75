from celery import shared_task


@shared_task(name="oversight.reports.tasks.regulator_report_run")
def regulator_report_run(run_id: int) -> dict:
    """Build, render and store one regulator report; progress is written to its ReportRun as it goes."""
    from oversight.reports.runs import report_run_execute

    run = report_run_execute(run_id)
    return {"id": run.pk, "status": run.status, "pages": run.pages}
