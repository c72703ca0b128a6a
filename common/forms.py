from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every field: label, input, its error right below, then help text."""

    field_template_name = "partials/field.html"


def form_add_service_error(form, error, *also) -> None:
    """Put a service's ValidationError next to the field it names — on
    ``form`` or on one of the forms ``also`` shown with it — or at the top
    when no form shown has that field. Nothing is ever lost to a 500."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = next((f for f in (form, *also) if field in f.fields), None)
        if target is None:
            form.add_error(None, errors)
        else:
            target.add_error(field, errors)
