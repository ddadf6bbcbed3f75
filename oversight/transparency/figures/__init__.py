"""Every public figure and public text, built in one package from the shared facts and published fields only.

This package is the only part of the transparency layer that reads the governance and matcher layers. It
returns plain, JSON-safe dicts whose every key is chosen here: no model instance, subject reference, image
or file name, name of a member of the public or of an officer (roles only), or precise coordinate ever
leaves it.

    report.py     report_figures(*, force, period_start, period_end, now=None) -> dict   the frozen snapshot,
                  built from the same facts as the regulator report (oversight.reports.period.load)
    public.py     advance_notices, withheld_notices, force_profile, published_document   live public reads
    atrs.py       atrs_record(*, force, kind, now=None, published=None) -> dict          ATRS tier 1 and 2
    redaction.py  Redactor, rounded_position                                             personal data out
    wording.py    the plain-language text: uses, complaints, risks, deployment criteria
"""
from oversight.transparency.figures.atrs import ATRS_KINDS, atrs_record
from oversight.transparency.figures.public import (
    advance_notices, force_profile, published_document, withheld_notices,
)
from oversight.transparency.figures.redaction import REDACTED, Redactor, rounded_position
from oversight.transparency.figures.report import SCHEMA_VERSION, TOTAL_KEYS, report_figures
from oversight.transparency.figures.wording import (
    COMPLAINTS, DELETION_LABELS, RISKS, USES, deployment_criteria, month_label, uses_explained,
)

__all__ = [
    "ATRS_KINDS", "COMPLAINTS", "DELETION_LABELS", "REDACTED", "RISKS", "SCHEMA_VERSION", "TOTAL_KEYS", "USES",
    "Redactor", "advance_notices", "atrs_record", "deployment_criteria", "force_profile", "month_label",
    "published_document", "report_figures", "rounded_position", "uses_explained", "withheld_notices",
]
