from django import template

from commitments.models import Diagnosis

register = template.Library()


@register.filter
def diagnosis_label(value: str) -> str:
    """The label of a diagnosis code (``private_diagnosis`` is a bare code)."""
    return Diagnosis(value).label if value in Diagnosis.values else ""
