"""Every form's own validation messages in the reader's language.

WTForms writes its messages in English and ships no Sinhala or Tamil catalog. :class:`Form`
(the base of every form of the app) hands WTForms our page catalog instead, in which the
messages listed here are marked and translated: every message the validators and fields our
forms use can emit (``DataRequired``/``FileRequired``, ``Length`` with a maximum or a range,
``Regexp`` without its own message, ``DateField``, ``SelectField``, ``SelectMultipleField``).
A message not listed shows in English, as WTForms wrote it.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from legalize.phrases import N_
from legalize.web.language import translations

MESSAGES = (
    N_("This field is required."),
    N_("Field cannot be longer than %(max)d character."),
    N_("Field cannot be longer than %(max)d characters."),
    N_("Field must be at least %(min)d character long."),
    N_("Field must be at least %(min)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Field must be exactly %(max)d character long."),
    N_("Field must be exactly %(max)d characters long."),
    N_("Invalid input."),
    N_("Not a valid date value."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("'%(value)s' is not a valid choice for this field."),
    N_("'%(value)s' are not valid choices for this field."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
)
"""WTForms' own messages (its msgids, so a WTForms upgrade that rewords one shows the new
English until it is marked here again). Singular and plural are separate entries: Sinhala
and Tamil, like English, have one form for one and another for more (``n != 1``)."""


class FormTranslations:
    """What WTForms asks of a translations object, answered from the request's page catalog."""

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


FORM_TRANSLATIONS = FormTranslations()


class Form(FlaskForm):
    """Flask-WTF's form (CSRF token and all) whose validation messages follow the page's
    language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> FormTranslations:
            return FORM_TRANSLATIONS
