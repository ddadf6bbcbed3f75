"""Codes into words, for every page a person reads: one place that says what a legal-basis code, a policy setting
or a snake_case figure name means. The code itself may stay in a `title` tooltip for those who look codes up.

    {% load plain_words %}
    {% legal_basis basis %}          <span title="HRA-A8-2-CRIME">Article 8(2) aim: prevention of disorder or crime</span>
    {{ "lfr.max_window_hours"|policy_label }}   Longest authorised window for one LFR deployment
    {{ "false_alerts"|figure_label }}           False alerts
"""
from __future__ import annotations

from django import template
from django.utils.html import format_html

from oversight.models import LegalBasis, LegalBasisVersion
from oversight.policy import DEFINITIONS

register = template.Library()

FIGURES = {
    "faces_processed": "Faces processed", "faces": "Faces processed", "alerts": "Alerts",
    "confirmed_matches": "Confirmed matches", "true_matches": "Confirmed matches", "false_alerts": "False alerts",
    "inconclusive": "Inconclusive alerts", "undecided": "Alerts not yet decided", "engagements": "Engagements",
    "arrests": "Arrests", "deployments": "Deployments", "searches": "Retrospective searches",
    "rfr_searches": "Retrospective searches", "identifications_corroborated": "Identifications corroborated",
    "checks": "Operator-initiated checks", "oifr_checks": "Operator-initiated checks",
    "possible_matches": "Checks with a possible match",
}


def _title(code: str) -> str:
    """The register's current wording of a code, or the code itself when the register does not know it."""
    version = (LegalBasisVersion.objects.filter(legal_basis__code=code).order_by("-effective_from", "-version")
               .values_list("title", flat=True).first())
    return version or code


@register.simple_tag
def legal_basis(basis) -> str:
    """A legal basis (a LegalBasis, a code, or a dict with `code` and `title`) by its title; the code in a tooltip."""
    if isinstance(basis, dict):
        code, title = basis.get("code", ""), basis.get("title") or _title(basis.get("code", ""))
    else:
        code = basis.code if isinstance(basis, LegalBasis) else str(basis)
        title = _title(code)
    return format_html('<span class="legal-basis" title="{}">{}</span>', code, title)


@register.filter
def policy_label(key: str) -> str:
    definition = DEFINITIONS.get(key)
    return definition.description.rstrip(".") if definition else str(key).replace("_", " ").replace(".", ": ")


@register.filter
def figure_label(name: str) -> str:
    return FIGURES.get(name, str(name).replace("_", " ").capitalize())
