"""The oversight body's workspace (accountability layer): regulator reports, the dashboard, audits of forces.

It reads every layer below (ground, governance, matcher) and nothing below imports it; the public transparency
report beside it (oversight.transparency) reads the same facts.

    period.py       load(*, forces, start, end, as_of) -> Facts: everything about some forces over a period,
                    in a fixed number of queries; the one set of facts behind the regulator report, the public
                    transparency report, the dashboard and the audits' samples
    exceptions.py   from_facts(facts, *, audits=()) -> [ReportException]: every exception, of a stable kind
    regulator.py    regulator_report(*, forces, start, end, checkpoint, ...) -> RegulatorReport
    proof.py        audit_log_proof(*, checkpoint, cited_seqs) -> dict: verify_log() and offline-checked proofs
    rendering.py    render_html(report, *, for_pdf=False, run=None) -> str; render_pdf(html) -> (bytes, pages)
    runs.py         report_run_start(...) -> ReportRun (queues the Celery task); report_run_execute(run_id)
    audits.py       force_audit_open / force_audit_sample / audit_finding_add / audit_recommendation_add /
                    recommendation_respond / force_audit_close
    selectors.py    report_run_list, force_audit_list (scoped to the user), oversight_dashboard(*, year)
"""
