"""The staff pages' forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

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
SEX_CHOICES = [
    SelectChoice("", "— choose —"),
    *(SelectChoice(v, label) for v, label in (("M", "M (male)"), ("F", "F (female)"), ("X", "X"))),
]
"""No default: a placeholder the form refuses, so nobody files a sex they did not choose."""
SEX_REQUIRED = DataRequired(message="choose the sex as the travel document shows it")


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class TotpForm(FlaskForm):
    code = StringField(
        "6-digit code",
        validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="six digits")],
    )


class UserForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(min=3, max=64)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, validators=[DataRequired()])
    totp = BooleanField("Require a TOTP code at sign-in")


class UserEditForm(FlaskForm):
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, validators=[DataRequired()])
    active = BooleanField("Active")
    password = PasswordField(
        "New password (leave empty to keep)",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    totp = SelectField(
        "Second factor",
        choices=[
            SelectChoice("keep", "keep as is"),
            SelectChoice("new", "new TOTP secret"),
            SelectChoice("off", "no TOTP"),
        ],
        default="keep",
    )


class ReasonForm(FlaskForm):
    """Reject or revoke: a reason is required (the cases rules require it too)."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=1000)])


class ActionForm(FlaskForm):
    """A button with nothing but the CSRF token (prepare, approve, issue, clear)."""


class ClearForm(FlaskForm):
    """Clear a TTD at the officer's port (recorded in the audit entry of the clearance)."""

    port = StringField(
        "Your port",
        validators=[
            DataRequired(message="name your port of entry, e.g. CMB"),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9 .()'-]+$", message="letters, digits, spaces, . ( ) ' -"),
        ],
    )


class RevokeForm(FlaskForm):
    """Revocation: a reason, and a tick that the officer means it."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=1000)])
    confirm = BooleanField(
        "I confirm",
        validators=[DataRequired(message="tick “I confirm” to revoke the document")],
    )


class ClearLookupForm(FlaskForm):
    number = StringField(
        "Document number or scanned QR text", validators=[DataRequired(), Length(max=2000)]
    )


class ReadmissionForm(FlaskForm):
    host_country = StringField("Host country", validators=[DataRequired(), COUNTRY])
    host_reference = StringField("Host reference", validators=[DataRequired(), Length(max=64)])
    surname = StringField("Surname", validators=[DataRequired(), Length(max=100)])
    given_names = StringField("Given names", validators=[DataRequired(), Length(max=100)])
    birth_date = DateField("Date of birth", validators=[DataRequired()])
    sex = SelectField("Sex", choices=SEX_CHOICES, validators=[SEX_REQUIRED])
    birth_place = StringField("Place of birth", validators=[Optional(), Length(max=100)])
    nic_number = StringField("NIC number", validators=[Optional(), Length(max=12)])
    passport_number = StringField("Passport number", validators=[Optional(), Length(max=20)])
    port_of_entry = StringField("Port of entry", validators=[DataRequired(), Length(max=100)])
    travel_date = DateField("Travel date", validators=[DataRequired()])
    photo = FileField("Photo (JPEG or PNG)", validators=[FileRequired()])


class LegalizationForm(FlaskForm):
    surname = StringField("Applicant surname", validators=[DataRequired(), Length(max=100)])
    given_names = StringField("Given names", validators=[DataRequired(), Length(max=100)])
    birth_date = DateField("Date of birth", validators=[DataRequired()])
    sex = SelectField("Sex", choices=SEX_CHOICES, validators=[SEX_REQUIRED])
    destination_country = StringField("Destination country", validators=[DataRequired(), COUNTRY])
    underlying_title = StringField("Document title", validators=[DataRequired(), Length(max=200)])
    underlying_date = DateField("Document date", validators=[DataRequired()])
    signer_name = StringField("Signed by", validators=[DataRequired(), Length(max=200)])
    signer_capacity = StringField(
        "Acting in the capacity of", validators=[DataRequired(), Length(max=200)]
    )
    signer_authority = StringField(
        "Bears the seal of", validators=[DataRequired(), Length(max=200)]
    )
    document = FileField("Underlying document (PDF)", validators=[FileRequired()])


class BatchForm(FlaskForm):
    host_country = StringField("Host country", validators=[DataRequired(), COUNTRY])
    reference = StringField("Batch reference", validators=[DataRequired(), Length(max=64)])
    file = FileField(
        "Requests: the CSV file (or one ZIP holding the CSV and the photos)",
        validators=[FileRequired()],
    )
    photos = FileField("Photos: a ZIP of the JPEG or PNG files the CSV names (optional)")


class PhotoOverrideForm(FlaskForm):
    reason = TextAreaField(
        "Reason for accepting the photo", validators=[DataRequired(), Length(max=1000)]
    )


class PhotoForm(FlaskForm):
    photo = FileField("Holder photo (JPEG or PNG)", validators=[FileRequired()])


class SignatoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    capacity = StringField("Capacity (acting as)", validators=[DataRequired(), Length(max=200)])
    authority = StringField("Authority (seal of)", validators=[DataRequired(), Length(max=200)])
    valid_from = DateField("Authorized from", validators=[DataRequired()])
    valid_until = DateField("Authorized until (empty: open)", validators=[Optional()])
    specimen = FileField("Specimen signature (PNG or JPEG, optional)")
    seal_image = FileField("Specimen seal or stamp (PNG or JPEG, optional)")


class CertificateForm(FlaskForm):
    """A certificate the signatory's authority signs its documents with."""

    certificate = FileField(
        "Signing certificate (PEM or DER)",
        validators=[FileRequired(message="choose the certificate file")],
    )


class IdentityDecisionForm(FlaskForm):
    """The identity gate: which evidence settled a cross-check that was not a clean match."""

    evidence = SelectField(
        "Evidence that settled it",
        choices=[
            SelectChoice("", "— choose —"),
            *(SelectChoice(k, v) for k, v in EVIDENCE.items()),
        ],
        validators=[DataRequired(message="choose the evidence")],
    )
    evidence_reference = StringField(
        "Reference (document, file or interview record)",
        validators=[DataRequired(), Length(max=200)],
    )
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=1000)])


class DuplicateResolutionForm(FlaskForm):
    reason = TextAreaField("Why both cases stand", validators=[DataRequired(), Length(max=1000)])
