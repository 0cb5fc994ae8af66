from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form and field through Grove's own two templates, so labels, help and
    error ids (which the inputs' aria-describedby point at) are written in one place.
    `{{ form }}` renders a whole form, `{{ form.field.as_field_group }}` one field."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
