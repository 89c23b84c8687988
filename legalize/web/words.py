"""Words of closed lists the library writes in English and the pages show: case states and
kinds, document statuses, roles, the batch steps, the hold reasons, the duplicate bases, the
identity evidence, the watchlist statuses, the identity fields. Marked here (``N_``) so
``make translations`` extracts them; the templates translate them with the ``word`` filter.
The library, the API and the audit log keep the English (library code imports no
Flask-Babel)."""

from __future__ import annotations

from legalize.cases.duplicates import BASIS_TEXT
from legalize.cases.gate import EVIDENCE
from legalize.cases.holds import DUPLICATE, IDENTITY, NO_PHOTO, PHOTO_FAILED
from legalize.cases.views import STAGES
from legalize.kinds import STAFF_ROLES
from legalize.phrases import N_
from legalize.registry.identity import SLTD_STATUSES

STAGE_WORDS = (
    N_("draft"),
    N_("prepared"),
    N_("approved"),
    N_("rejected"),
    N_("issued"),
    N_("used"),
    N_("expired"),
    N_("revoked"),
    N_("closed"),
)
KIND_WORDS = (N_("readmission"), N_("legalization"), N_("ttd"))
ROLE_WORDS = (
    N_("issuing officer"),
    N_("approving officer"),
    N_("border officer"),
    N_("administrator"),
    N_("risk analyst"),
)
STEP_WORDS = (N_("Prepare"), N_("Approve"), N_("Issue"))
HOLD_WORDS = (
    N_("no photo"),
    N_("photo check failed"),
    N_("identity to decide"),
    N_("possible duplicate"),
)
BASIS_WORDS = (
    N_("same NIC number"),
    N_("same passport number"),
    N_("same name and date of birth"),
)
EVIDENCE_WORDS = (
    N_("nationality confirmed by interview"),
    N_("passport reported lost by the holder himself"),
    N_("NIC register record corrected"),
    N_("NIC record located by the Department for Registration of Persons"),
    N_("birth certificate or civil register extract checked"),
    N_("fingerprints matched the register"),
    N_("identity document supplied by the host country checked"),
    N_("watchlist entry withdrawn by the reporting authority"),
)
WATCHLIST_WORDS = (N_("stolen"), N_("lost"), N_("revoked"), N_("invalid"))
FIELD_WORDS = (
    N_("surname"),
    N_("given names"),
    N_("birth date"),
    N_("sex"),
    N_("birth place"),
    N_("nationality"),
    N_("nic number"),
    N_("passport number"),
)
SPECIMEN_WORDS = (N_("signature"), N_("seal"))
SEAL_DATA_WORDS = (
    N_("cert reference"),
    N_("check code"),
    N_("date of birth"),
    N_("document code"),
    N_("document number"),
    N_("document ref"),
    N_("expiry date"),
    N_("format"),
    N_("header version"),
    N_("issue date"),
    N_("issuing country"),
    N_("profile"),
    N_("signature date"),
    N_("signer"),
    N_("signer id"),
)
"""The data keys of a seal's report as the border page's seal details name them (with
``FIELD_WORDS``): ``date_of_birth`` → "date of birth"."""
SEAL_FIELDS = (
    N_("Surname"),
    N_("Given names"),
    N_("Date of birth"),
    N_("Nationality"),
    N_("Document number"),
    N_("Valid until"),
    N_("1. Country"),
    N_("2. Has been signed by"),
    N_("3. Acting in the capacity of"),
    N_("4. Bears the seal/stamp of"),
    N_("5. At"),
    N_("6. The"),
    N_("8. No"),
    N_("SHA-256 of the underlying document"),
)
"""The labels of ``seal_link.TTD_FIELDS`` and ``public.APOSTILLE_FIELDS``."""

LISTS = {
    "stages": (STAGES, STAGE_WORDS),
    "roles": (tuple(r.value.replace("_", " ") for r in STAFF_ROLES), ROLE_WORDS),
    "holds": ((NO_PHOTO, PHOTO_FAILED, IDENTITY, DUPLICATE), HOLD_WORDS),
    "basis": (tuple(BASIS_TEXT.values()), BASIS_WORDS),
    "evidence": (tuple(EVIDENCE.values()), EVIDENCE_WORDS),
    "watchlist": (SLTD_STATUSES, WATCHLIST_WORDS),
}
"""The library's lists beside the words marked here: tests/test_web_language.py fails when the
library adds a word this module does not mark."""
