"""The staff pages' forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from legalize import countries
from legalize.cases.gate import EVIDENCE
from legalize.kinds import STAFF_ROLES
from legalize.registry.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from legalize.web.form_messages import Form

# WTForms 3.3 deprecates (value, label) tuples: choices are SelectChoice values.
ROLE_CHOICES = [SelectChoice(r.value, r.value.replace("_", " ")) for r in STAFF_ROLES]


class IcaoCountry:
    """An ICAO 9303 country code (legalize.countries); the cases rules check it again."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data:
            try:
                countries.normalize(field.data)
            except countries.UnknownCountry as exc:
                raise ValidationError(str(exc)) from None


COUNTRY = IcaoCountry()
REQUIRED = DataRequired(message=lazy_gettext("This field is required."))
"""WTForms' own message, in the catalogs: WTForms ships no Sinhala or Tamil."""
SEX_CHOICES = [
    SelectChoice("", lazy_gettext("— choose —")),
    *(
        SelectChoice(v, label)
        for v, label in (
            ("M", lazy_gettext("M (male)")),
            ("F", lazy_gettext("F (female)")),
            ("X", "X"),
        )
    ),
]
"""No default: a placeholder the form refuses, so nobody files a sex they did not choose."""
SEX_REQUIRED = DataRequired(message=lazy_gettext("choose the sex as the travel document shows it"))


class LoginForm(Form):
    username = StringField(lazy_gettext("User name"), validators=[REQUIRED, Length(max=64)])
    password = PasswordField(
        lazy_gettext("Password"), validators=[REQUIRED, Length(max=MAX_PASSWORD_LENGTH)]
    )


class TotpForm(Form):
    code = StringField(
        lazy_gettext("6-digit code"),
        validators=[
            REQUIRED,
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=lazy_gettext("six digits")),
        ],
    )


class UserForm(Form):
    username = StringField(lazy_gettext("User name"), validators=[REQUIRED, Length(min=3, max=64)])
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[REQUIRED, Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    roles = SelectMultipleField(lazy_gettext("Roles"), choices=ROLE_CHOICES, validators=[REQUIRED])
    totp = BooleanField(lazy_gettext("Require a TOTP code at sign-in"))


class UserEditForm(Form):
    roles = SelectMultipleField(lazy_gettext("Roles"), choices=ROLE_CHOICES, validators=[REQUIRED])
    active = BooleanField(lazy_gettext("Active"))
    password = PasswordField(
        lazy_gettext("New password (leave empty to keep)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    totp = SelectField(
        lazy_gettext("Second factor"),
        choices=[
            SelectChoice("keep", lazy_gettext("keep as is")),
            SelectChoice("new", lazy_gettext("new TOTP secret")),
            SelectChoice("off", lazy_gettext("no TOTP")),
        ],
        default="keep",
    )


class ReasonForm(Form):
    """Reject or revoke: a reason is required (the cases rules require it too)."""

    reason = TextAreaField(lazy_gettext("Reason"), validators=[REQUIRED, Length(max=1000)])


class ActionForm(Form):
    """A button with nothing but the CSRF token (prepare, approve, issue, clear)."""


class ClearForm(Form):
    """Clear a TTD at the officer's port (recorded in the audit entry of the clearance)."""

    port = StringField(
        lazy_gettext("Your port"),
        validators=[
            DataRequired(message=lazy_gettext("name your port of entry, e.g. CMB")),
            Length(max=40),
            Regexp(
                r"^[A-Za-z0-9 .()'-]+$", message=lazy_gettext("letters, digits, spaces, . ( ) ' -")
            ),
        ],
    )


class RevokeForm(Form):
    """Revocation: a reason, and a tick that the officer means it."""

    reason = TextAreaField(lazy_gettext("Reason"), validators=[REQUIRED, Length(max=1000)])
    confirm = BooleanField(
        lazy_gettext("I confirm"),
        validators=[DataRequired(message=lazy_gettext("tick “I confirm” to revoke the document"))],
    )


class ClearLookupForm(Form):
    number = StringField(
        lazy_gettext("Document number or scanned QR text"),
        validators=[REQUIRED, Length(max=2000)],
    )


class ReadmissionForm(Form):
    host_country = StringField(lazy_gettext("Host country"), validators=[REQUIRED, COUNTRY])
    host_reference = StringField(
        lazy_gettext("Host reference"), validators=[REQUIRED, Length(max=64)]
    )
    surname = StringField(lazy_gettext("Surname"), validators=[REQUIRED, Length(max=100)])
    given_names = StringField(lazy_gettext("Given names"), validators=[REQUIRED, Length(max=100)])
    birth_date = DateField(lazy_gettext("Date of birth"), validators=[REQUIRED])
    sex = SelectField(lazy_gettext("Sex"), choices=SEX_CHOICES, validators=[SEX_REQUIRED])
    birth_place = StringField(
        lazy_gettext("Place of birth"), validators=[Optional(), Length(max=100)]
    )
    nic_number = StringField(lazy_gettext("NIC number"), validators=[Optional(), Length(max=12)])
    passport_number = StringField(
        lazy_gettext("Passport number"), validators=[Optional(), Length(max=20)]
    )
    port_of_entry = StringField(
        lazy_gettext("Port of entry"), validators=[REQUIRED, Length(max=100)]
    )
    travel_date = DateField(lazy_gettext("Travel date"), validators=[REQUIRED])
    photo = FileField(lazy_gettext("Photo (JPEG or PNG)"), validators=[FileRequired()])


class LegalizationForm(Form):
    surname = StringField(lazy_gettext("Applicant surname"), validators=[REQUIRED, Length(max=100)])
    given_names = StringField(lazy_gettext("Given names"), validators=[REQUIRED, Length(max=100)])
    birth_date = DateField(lazy_gettext("Date of birth"), validators=[REQUIRED])
    sex = SelectField(lazy_gettext("Sex"), choices=SEX_CHOICES, validators=[SEX_REQUIRED])
    destination_country = StringField(
        lazy_gettext("Destination country"), validators=[REQUIRED, COUNTRY]
    )
    underlying_title = StringField(
        lazy_gettext("Document title"), validators=[REQUIRED, Length(max=200)]
    )
    underlying_date = DateField(lazy_gettext("Document date"), validators=[REQUIRED])
    signer_name = StringField(lazy_gettext("Signed by"), validators=[REQUIRED, Length(max=200)])
    signer_capacity = StringField(
        lazy_gettext("Acting in the capacity of"), validators=[REQUIRED, Length(max=200)]
    )
    signer_authority = StringField(
        lazy_gettext("Bears the seal of"), validators=[REQUIRED, Length(max=200)]
    )
    document = FileField(lazy_gettext("Underlying document (PDF)"), validators=[FileRequired()])


class BatchForm(Form):
    host_country = StringField(lazy_gettext("Host country"), validators=[REQUIRED, COUNTRY])
    reference = StringField(lazy_gettext("Batch reference"), validators=[REQUIRED, Length(max=64)])
    file = FileField(
        lazy_gettext("Requests: the CSV file (or one ZIP holding the CSV and the photos)"),
        validators=[FileRequired()],
    )
    photos = FileField(
        lazy_gettext("Photos: a ZIP of the JPEG or PNG files the CSV names (optional)")
    )


class PhotoOverrideForm(Form):
    reason = TextAreaField(
        lazy_gettext("Reason for accepting the photo"),
        validators=[REQUIRED, Length(max=1000)],
    )


class PhotoForm(Form):
    photo = FileField(lazy_gettext("Holder photo (JPEG or PNG)"), validators=[FileRequired()])


class SignatoryForm(Form):
    name = StringField(lazy_gettext("Name"), validators=[REQUIRED, Length(max=200)])
    capacity = StringField(
        lazy_gettext("Capacity (acting as)"), validators=[REQUIRED, Length(max=200)]
    )
    authority = StringField(
        lazy_gettext("Authority (seal of)"), validators=[REQUIRED, Length(max=200)]
    )
    valid_from = DateField(lazy_gettext("Authorized from"), validators=[REQUIRED])
    valid_until = DateField(lazy_gettext("Authorized until (empty: open)"), validators=[Optional()])
    specimen = FileField(lazy_gettext("Specimen signature (PNG or JPEG, optional)"))
    seal_image = FileField(lazy_gettext("Specimen seal or stamp (PNG or JPEG, optional)"))


class CertificateForm(Form):
    """A certificate the signatory's authority signs its documents with."""

    certificate = FileField(
        lazy_gettext("Signing certificate (PEM or DER)"),
        validators=[FileRequired(message=lazy_gettext("choose the certificate file"))],
    )


class IdentityDecisionForm(Form):
    """The identity gate: which evidence settled a cross-check that was not a clean match."""

    evidence = SelectField(
        lazy_gettext("Evidence that settled it"),
        choices=[
            SelectChoice("", lazy_gettext("— choose —")),
            *(SelectChoice(k, lazy_gettext(v)) for k, v in EVIDENCE.items()),
        ],
        validators=[DataRequired(message=lazy_gettext("choose the evidence"))],
    )
    evidence_reference = StringField(
        lazy_gettext("Reference (document, file or interview record)"),
        validators=[REQUIRED, Length(max=200)],
    )
    reason = TextAreaField(lazy_gettext("Reason"), validators=[REQUIRED, Length(max=1000)])


class DuplicateResolutionForm(Form):
    reason = TextAreaField(
        lazy_gettext("Why both cases stand"), validators=[REQUIRED, Length(max=1000)]
    )
