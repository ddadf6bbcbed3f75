"""Audit actions of complaints. No event carries the complainant's contact details or words: the log is kept
for ever, the personal data only as long as the retention policy says."""
from oversight.audit.actions import register

COMPLAINT_FILE = register("complaint.file", "A member of the public filed a complaint")
COMPLAINT_ASSIGN = register("complaint.assign", "The oversight body passed a complaint to a force to answer")
COMPLAINT_CLOSE = register("complaint.close", "The oversight body closed a complaint without passing it to a force")
COMPLAINT_RESPOND = register("complaint.respond", "A force answered a complaint")
