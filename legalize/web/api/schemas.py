"""The API's JSON schemas (request and response bodies), registered on the description."""

from __future__ import annotations

from legalize.cases.validation import MAX_PHOTO_BYTES
from legalize.kinds import CaseKind, CaseState, DocumentType
from legalize.web.api.spec import ApiDescription, Schema

API = ApiDescription(title="legalize API", version="1")

COUNTRY: Schema = {
    "type": "string",
    "maxLength": 64,
    "description": "ICAO 9303 country code (DEU; D is read as DEU); a name is refused (422)",
}
DATE: Schema = {"type": "string", "format": "date"}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 100}
TEXT: Schema = {"type": "string", "minLength": 1, "maxLength": 200}
OPTIONAL_TEXT: Schema = {"type": ["string", "null"], "maxLength": 100}
BASE64: Schema = {"type": "string", "contentEncoding": "base64", "maxLength": 28_000_000}

API.schema(
    "Identity",
    {
        "type": "object",
        "required": ["surname", "birth_date", "sex"],
        "properties": {
            "surname": NAME,
            "given_names": {"type": ["string", "null"], "maxLength": 100},
            "birth_date": DATE,
            "sex": {"type": "string", "enum": ["F", "M", "X"]},
            "birth_place": OPTIONAL_TEXT,
            "nationality": {**COUNTRY, "type": ["string", "null"]},
            "nic_number": {"type": ["string", "null"], "maxLength": 12},
            "passport_number": {"type": ["string", "null"], "maxLength": 20},
        },
    },
)
API.schema(
    "ReadmissionRequest",
    {
        "type": "object",
        "required": ["host_reference", "identity"],
        "properties": {
            "host_country": {
                **COUNTRY,
                "description": "defaults to the client's country; another country is refused",
            },
            "host_reference": {"type": "string", "minLength": 1, "maxLength": 64},
            "identity": {"$ref": "#/components/schemas/Identity"},
            "port_of_entry": OPTIONAL_TEXT,
            "travel_date": {"type": ["string", "null"], "format": "date"},
            "photo": {
                **BASE64,
                "description": f"JPEG or PNG, Base64, at most {MAX_PHOTO_BYTES >> 20} MiB",
            },
        },
    },
)
API.schema(
    "ReadmissionBatch",
    {
        "type": "object",
        "required": ["reference", "requests"],
        "properties": {
            "reference": {"type": "string", "minLength": 1, "maxLength": 64},
            "requests": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": {"$ref": "#/components/schemas/ReadmissionRequest"},
            },
        },
    },
)
API.schema(
    "LegalizationRequest",
    {
        "type": "object",
        "required": [
            "applicant",
            "underlying",
            "underlying_title",
            "underlying_date",
            "signer_name",
            "signer_capacity",
            "signer_authority",
        ],
        "properties": {
            "applicant": {"$ref": "#/components/schemas/Identity"},
            "destination_country": {**COUNTRY, "type": ["string", "null"]},
            "underlying": {**BASE64, "description": "PDF, JPEG or PNG, Base64, at most 20 MiB"},
            "underlying_title": TEXT,
            "underlying_date": DATE,
            "signer_name": TEXT,
            "signer_capacity": TEXT,
            "signer_authority": TEXT,
        },
    },
)
API.schema(
    "Document",
    {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "type": {"type": "string", "enum": [t.value for t in DocumentType]},
            "status": {"type": "string", "enum": [s.value for s in CaseState if s.has_document]},
            "check_code": {"type": "string"},
            "issued_on": DATE,
            "expires_on": {"type": ["string", "null"], "format": "date"},
            "pdf_sha256": {"type": "string"},
        },
    },
)
API.schema(
    "Case",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in CaseKind]},
            "state": {"type": "string", "enum": [s.value for s in CaseState]},
            "host_country": {"type": ["string", "null"]},
            "host_reference": {"type": ["string", "null"]},
            "identity": {"$ref": "#/components/schemas/Identity"},
            "filed_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "crosscheck": {"type": ["string", "null"], "description": "cross-check outcome"},
            "reason": {"type": ["string", "null"]},
            "batch_id": {"type": ["integer", "null"]},
            "identity_check": {
                "type": ["object", "null"],
                "description": "readmission: the identity gate. A result other than match"
                " holds the case before approval until an officer records which evidence"
                " settled it (null for a legalization)",
                "properties": {
                    "outcome": {
                        "type": ["string", "null"],
                        "enum": ["match", "mismatch", "not_found", "on_watchlist", None],
                    },
                    "settled": {
                        "type": "boolean",
                        "description": "no decision is needed, or an officer recorded it",
                    },
                },
            },
            "duplicate_of": {
                "type": "array",
                "items": {"type": "string"},
                "description": "host references of your own open requests (or valid TTDs)"
                " for the same person that hold this case until an officer settles it;"
                " another filer's cases are never named",
            },
            "document": {"oneOf": [{"$ref": "#/components/schemas/Document"}, {"type": "null"}]},
        },
    },
)
API.schema(
    "CaseList",
    {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "next": {"type": ["string", "null"], "description": "URL of the next page"},
        },
    },
)
API.schema(
    "BatchResult",
    {
        "type": "object",
        "properties": {
            "batch_id": {"type": "integer"},
            "filed": {"type": "array", "items": {"type": "integer"}},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer", "description": "position in requests, from 1"},
                        "field": {"type": ["string", "null"]},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
            "duplicates": {
                "type": "array",
                "description": "requests filed but flagged DUPLICATE_PERSON: the same person as"
                " another open request or valid TTD; officers resolve it before approval",
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer"},
                        "field": {"type": ["string", "null"]},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    },
)
API.schema(
    "DocumentStatus",
    {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "type": {"type": "string"},
            "status": {"type": "string"},
            "issued_on": DATE,
            "expires_on": {"type": ["string", "null"], "format": "date"},
        },
    },
)
API.schema(
    "SealCheckRequest",
    {
        "type": "object",
        "required": ["seal"],
        "additionalProperties": False,
        "properties": {
            "seal": {
                "type": "string",
                "minLength": 1,
                "maxLength": 2048,
                "description": "the QR text as scanned (the check URL and the seal, or the seal)",
            },
            "lang": {"type": "string", "enum": ["en", "si", "ta"], "default": "en"},
        },
    },
)
API.schema(
    "Report",
    {
        "type": "object",
        "description": "the verification report: the seal verified offline, then the"
        " register's answer as checks (register.record, register.status); the verdict is VALID"
        " only when every check passed",
        "properties": {
            "verdict": {"type": "string", "enum": ["VALID", "INVALID", "INDETERMINATE"]},
            "checks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "category": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["VALID", "INVALID", "ERROR", "SKIPPED"],
                        },
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "data": {"type": "object"},
                    },
                },
            },
            "data": {"type": "object", "description": "the seal's decoded fields"},
        },
    },
)
