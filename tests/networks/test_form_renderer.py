"""Every form renders through networks.renderers.FormRenderer's two templates."""

from django import forms


class SampleForm(forms.Form):
    name = forms.CharField(help_text="As the group knows you.")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_a_field_has_a_label_with_a_required_mark():
    html = str(SampleForm()["name"].as_field_group())
    assert '<label for="id_name">Name <span class="req" aria-hidden="true">*</span></label>' in html


def test_an_input_is_described_by_its_help():
    html = str(SampleForm()["name"].as_field_group())
    assert 'aria-describedby="id_name_helptext"' in html
    assert '<p class="help" id="id_name_helptext">As the group knows you.</p>' in html


def test_a_refused_input_is_described_by_its_help_and_its_error():
    html = str(SampleForm(data={})["name"].as_field_group())
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<div class="error" id="id_name_error"><p>This field is required.</p></div>' in html


def test_radio_buttons_are_a_fieldset_with_a_legend_described_by_the_error():
    html = str(SampleForm(data={})["kind"].as_field_group())
    assert '<fieldset class="field has-error" aria-describedby="id_kind_error">' in html
    assert "<legend>Kind" in html


def test_a_whole_form_shows_its_general_errors_first():
    form = SampleForm(data={"name": "x", "kind": "a"})
    form.is_valid()
    form.add_error(None, "Something is off.")
    html = str(form)
    assert html.index('class="form-errors"') < html.index('for="id_name"')
