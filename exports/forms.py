from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label="Member file (CSV)",
        help_text="The member directory's export, or any CSV with its columns: name, email, "
        "organisation, sector, expertise, groups, role.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > settings.IMPORT_MAX_BYTES:
            megabytes = settings.IMPORT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {megabytes} MB.")
        return upload
