"""Audit actions of the public transparency layer (registered with the ground layer's vocabulary at start-up)."""
from oversight.audit.actions import register

REPORT_PREPARE = register("transparency_report.prepare", "A force prepared a draft transparency report")
REPORT_REFRESH = register("transparency_report.refresh", "A draft transparency report's figures were recomputed")
REPORT_PUBLISH = register("transparency_report.publish",
                          "A transparency report was published and its figures and files frozen")
REPORT_SUPERSEDE = register("transparency_report.supersede",
                            "A published transparency report was superseded by a later version")
REPORT_WITHDRAW = register("transparency_report.withdraw", "A published transparency report was withdrawn")
