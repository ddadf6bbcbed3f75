"""Audit actions of the oversight workspace (registered with the ground layer's vocabulary at start-up)."""
from oversight.audit.actions import register

REPORT_RUN_REQUEST = register("report_run.request", "A regulator report was requested")
REPORT_RUN_COMPLETE = register("report_run.complete", "A regulator report was built from a signed checkpoint")
REPORT_RUN_FAIL = register("report_run.fail", "A regulator report could not be built")
FORCE_AUDIT_OPEN = register("force_audit.open", "The oversight body opened an audit of a force")
FORCE_AUDIT_SAMPLE = register("force_audit.sample", "A seeded random sample of deployments and alerts was drawn")
FORCE_AUDIT_CHECK = register("force_audit.check", "An auditor filled in the checklist of a sampled record")
FORCE_AUDIT_FINDING = register("force_audit.finding", "An auditor recorded a finding")
FORCE_AUDIT_RECOMMENDATION = register("force_audit.recommendation", "An auditor made a recommendation with a deadline")
FORCE_AUDIT_RESPONSE = register("force_audit.response", "A force responded to a recommendation")
FORCE_AUDIT_CLOSE = register("force_audit.close", "An audit of a force was closed")
