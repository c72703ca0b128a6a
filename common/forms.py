from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every field: label, input, its error right below, then help text."""

    field_template_name = "partials/field.html"
