"""The API's views. Each is declared once with :class:`Operation`; the same declaration
registers the Flask route, checks the input and writes the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request, url_for

from legalize.cases import batch, check, legalization, readmission, views
from legalize.cases.checks_log import Method
from legalize.cases.errors import NotFound
from legalize.cases.views import CaseView, DocumentView
from legalize.kinds import CaseKind, CaseState
from legalize.registry.accounts import ApiClient, Scope
from legalize.web.api import bp
from legalize.web.api.schemas import API
from legalize.web.api.spec import Operation, Param, query_params, validate
from legalize.web.auth import api_client, client_actor, scope_required
from legalize.web.checks import outcome_of_document, record_check
from legalize.web.errors import WebError
from legalize.web.state import (
    db,
    end_transaction,
    now,
    public_connection,
    seal_readings,
    state,
    trust_store,
)
from verifier.messages import localize

CASE_ID = Param("case_id", "path", {"type": "integer", "minimum": 1})
PDF = "application/pdf"


def json_body(schema_name: str) -> dict[str, Any]:
    if not request.is_json:
        raise WebError(415, "UNSUPPORTED_MEDIA_TYPE", "send Content-Type: application/json", "body")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser's recursion limit: not ValueError
        body = None
    if body is None:
        raise WebError(400, "INVALID_JSON", "the body is not valid JSON", "body")
    try:
        # A "\\ud800" escape decodes to a lone surrogate, a str that is not Unicode text and
        # that no database driver can encode (UnicodeEncodeError, a 500).
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise WebError(
            400, "INVALID_JSON", "the body holds an unpaired surrogate escape", "body"
        ) from None
    validate(body, {"$ref": f"#/components/schemas/{schema_name}"}, API.schemas)
    if not isinstance(body, dict):  # validate() refused anything else already
        raise WebError(422, "INVALID_INPUT", "the body must be an object", "body")
    return body


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def document_json(doc: DocumentView) -> dict[str, Any]:
    return {
        "number": doc.number,
        "type": doc.type,
        "status": doc.status,
        "check_code": doc.check_code,
        "issued_on": _iso(doc.issued_on),
        "expires_on": _iso(doc.expires_on),
        "pdf_sha256": doc.pdf_sha256,
    }


def case_json(view: CaseView, gate: readmission.FilerSummary | None = None) -> dict[str, Any]:
    """The case as the API shows it; ``gate`` (readmission) adds what the filer may learn of
    the identity gate and the duplicate flags."""
    p = view.person
    return {
        "id": view.id,
        "kind": view.kind,
        "state": view.state,
        "host_country": view.host_country,
        "host_reference": view.host_reference,
        "identity": {
            "surname": p.surname,
            "given_names": p.given_names,
            "birth_date": _iso(p.birth_date),
            "sex": p.sex,
            "birth_place": p.birth_place,
            "nationality": p.nationality,
            "nic_number": p.nic_number,
            "passport_number": p.passport_number,
        },
        "filed_at": _iso(view.filed_at),
        "updated_at": _iso(view.updated_at),
        "crosscheck": view.crosscheck.get("outcome") if view.crosscheck else None,
        "reason": view.reason,
        "batch_id": view.batch_id,
        "identity_check": (
            {"outcome": gate.outcome, "settled": gate.settled} if gate is not None else None
        ),
        "duplicate_of": list(gate.duplicate_references) if gate is not None else [],
        "document": document_json(view.document) if view.document else None,
    }


def client_case_json(client: ApiClient, view: CaseView) -> dict[str, Any]:
    """:func:`case_json` with the gate as ``client`` may see it (a readmission case)."""
    if view.kind != CaseKind.READMISSION.value:
        return case_json(view)
    summary = readmission.filer_summary(db(), view.id, f"api:{client.name}", now())
    return case_json(view, summary)


def visible_case(client: ApiClient, case_id: int) -> CaseView:
    """A case the client may see: a readmission of its own country (with the read scope), or
    a legalization it filed itself. Anything else is 404, as if it did not exist."""
    try:
        view = views.get_case(db(), case_id)
    except NotFound:
        view = None
    if view is not None:
        if view.kind == CaseKind.READMISSION.value:
            if client.has_scope(Scope.READMISSION_READ) and view.host_country == client.country:
                return view
        elif client.has_scope(Scope.LEGALIZATION_READ) and view.filed_by == f"api:{client.name}":
            return view
    raise WebError(404, "NOT_FOUND", f"no case {case_id}", "case_id")


def created(client: ApiClient, view: CaseView) -> Response:
    response = jsonify(client_case_json(client, view))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", case_id=view.id)
    return response


# --- readmission -------------------------------------------------------------------------


@API.route(
    bp,
    Operation(
        "post",
        "/readmissions",
        "create_readmission",
        "File a readmission request (a draft case); the identity is cross-checked at once. A"
        " request for a person you have an open request or a valid TTD for already is refused"
        " (409 DUPLICATE_PERSON, other_references naming yours); a country code that is not"
        " ICAO 9303 is refused (422 UNKNOWN_COUNTRY naming the field).",
        scopes=(Scope.READMISSION_WRITE,),
        body="ReadmissionRequest",
        responses={201: ("the case as filed", "Case", "application/json")},
    ),
)
@scope_required(Scope.READMISSION_WRITE)
def create_readmission() -> Response:
    client = api_client()
    body = json_body("ReadmissionRequest")
    body.setdefault("host_country", client.country)
    at = now()
    req = readmission.parse_request(body, at)
    # The same person again from this client: 409 DUPLICATE_PERSON naming its request.
    view = readmission.file_request(db(), client_actor(client), req, at, refuse_own_duplicate=True)
    return created(client, view)


@API.route(
    bp,
    Operation(
        "post",
        "/readmissions/batch",
        "create_readmission_batch",
        "File many readmission requests (a charter flight); one bad request is reported by its"
        " position (line, from 1) without stopping the rest.",
        scopes=(Scope.READMISSION_WRITE,),
        body="ReadmissionBatch",
        responses={201: ("what was filed and what was refused", "BatchResult", "application/json")},
    ),
)
@scope_required(Scope.READMISSION_WRITE)
def create_readmission_batch() -> Response:
    client = api_client()
    body = json_body("ReadmissionBatch")
    report = batch.file_batch(
        db(), client_actor(client), client.country, body["reference"], body["requests"], now()
    )
    response = jsonify(
        {
            "batch_id": report.batch_id,
            "filed": [case_id for _, case_id in report.succeeded],
            "errors": [
                {"line": f.line, "field": f.field, "code": f.code, "message": f.message}
                for f in report.failed
            ],
            "duplicates": [
                {"line": f.line, "field": f.field, "code": f.code, "message": f.message}
                for f in report.flagged
            ],
        }
    )
    response.status_code = 201
    return response


# --- legalization ------------------------------------------------------------------------


@API.route(
    bp,
    Operation(
        "post",
        "/legalizations",
        "create_legalization",
        "File a legalization application with the underlying document (Base64, typed by its "
        "content; a document refused as such answers 422 with its own code, e.g. "
        "UNDERLYING_MALFORMED). Filed by an issuing authority's own client, the case is "
        "marked as submitted by that authority.",
        scopes=(Scope.LEGALIZATION_WRITE,),
        body="LegalizationRequest",
        responses={201: ("the case as filed", "Case", "application/json")},
    ),
)
@scope_required(Scope.LEGALIZATION_WRITE)
def create_legalization() -> Response:
    client = api_client()
    body = json_body("LegalizationRequest")
    at = now()
    end_transaction()  # sanitizing the upload may take seconds: hold no transaction
    req = legalization.parse_request(body, None, at)
    return created(client, legalization.file_application(db(), client_actor(client), req, at))


# --- cases -------------------------------------------------------------------------------


@API.route(
    bp,
    Operation(
        "get",
        "/cases",
        "list_cases",
        "The client's cases, newest first, a page at a time.",
        params=(
            Param("kind", "query", {"type": "string", "enum": [k.value for k in CaseKind]}),
            Param(
                "state",
                "query",
                {"type": "string", "enum": [s.value for s in CaseState]},
            ),
            Param(
                "reference",
                "query",
                {"type": "string", "maxLength": 64},
                description="search your cases: part of a host reference or document number,"
                " a NIC or passport number, or name words",
            ),
            Param(
                "page", "query", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}
            ),
            Param(
                "per_page",
                "query",
                {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            ),
        ),
        responses={200: ("a page of cases", "CaseList", "application/json")},
    ),
)
def list_cases() -> Response:
    client = api_client()
    args = query_params(API.operation("list_cases"), request.args)
    kind = args["kind"]
    readable = {
        CaseKind.READMISSION.value: client.has_scope(Scope.READMISSION_READ),
        CaseKind.LEGALIZATION.value: client.has_scope(Scope.LEGALIZATION_READ),
    }
    if kind is None:
        kinds = [k for k, ok in readable.items() if ok]
        if len(kinds) != 1:
            if not kinds:
                raise WebError(403, "SCOPE_REQUIRED", "token lacks a read scope", "token")
            raise WebError(400, "INVALID_INPUT", "kind is required for this client", "kind")
        kind = kinds[0]
    elif not readable[kind]:
        raise WebError(403, "SCOPE_REQUIRED", f"token lacks scope {kind}:read", "kind")
    page, per_page = args["page"], args["per_page"]
    result = views.list_cases(
        db(),
        kind=kind,
        state=args["state"],
        search=args["reference"],
        # A host country sees its own requests; a legalization client what it filed.
        host_country=client.country if kind == CaseKind.READMISSION.value else None,
        filed_by=None if kind == CaseKind.READMISSION.value else f"api:{client.name}",
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    more = page * per_page < result.total
    nxt: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return jsonify(
        {
            "items": [client_case_json(client, v) for v in result.items],
            "total": result.total,
            "page": page,
            "per_page": per_page,
            "next": url_for("api.list_cases", page=page + 1, **nxt) if more else None,
        }
    )


@API.route(
    bp,
    Operation(
        "get",
        "/cases/<int:case_id>",
        "get_case",
        "One case of the client, with its document once issued.",
        params=(CASE_ID,),
        responses={200: ("the case", "Case", "application/json")},
    ),
)
def get_case(case_id: int) -> Response:
    client = api_client()
    return jsonify(client_case_json(client, visible_case(client, case_id)))


@API.route(
    bp,
    Operation(
        "get",
        "/cases/<int:case_id>/document.pdf",
        "download_document",
        "The issued PDF (TTD: only the host country that requested it).",
        params=(CASE_ID,),
        responses={200: ("the signed PDF", None, PDF)},
    ),
)
def download_document(case_id: int) -> Response:
    view = visible_case(api_client(), case_id)
    if view.document is None:
        raise WebError(409, "NOT_ISSUED", f"case {case_id} has no issued document", "case_id")
    pdf = views.document_pdf(db(), view.document.number)
    return Response(
        pdf,
        mimetype=PDF,
        headers={"Content-Disposition": f'attachment; filename="{view.document.number}.pdf"'},
    )


# --- documents ---------------------------------------------------------------------------


@API.route(
    bp,
    Operation(
        "get",
        "/documents/<number>/status",
        "document_status",
        "Status of a document by number and check code (the least data).",
        scopes=(Scope.STATUS_READ,),
        params=(
            Param("number", "path", {"type": "string", "maxLength": 20}),
            Param(
                "check_code",
                "query",
                {"type": "string", "minLength": 1, "maxLength": 40},
                required=True,
            ),
        ),
        responses={200: ("the status", "DocumentStatus", "application/json")},
    ),
)
@scope_required(Scope.STATUS_READ)
def document_status(number: str) -> Response:
    args = query_params(API.operation("document_status"), request.args)
    if len(number) > 20:
        raise WebError(422, "INVALID_INPUT", "number is too long", "number")
    doc = views.check_document(public_connection(), number, args["check_code"])
    record_check(outcome_of_document(Method.API, number, doc))
    if doc is None:
        raise WebError(
            404, "NOT_FOUND", "no document with this number and check code", "check_code"
        )
    return jsonify(
        {
            "number": doc.number,
            "type": doc.type,
            "status": doc.status,
            "issued_on": _iso(doc.issued_on),
            "expires_on": _iso(doc.expires_on),
        }
    )


@API.route(
    bp,
    Operation(
        "post",
        "/seal-checks",
        "check_seal",
        "Verify a scanned seal and add the register's answer: the report whose verdict is VALID"
        " only for a genuine seal the register issued and lists as valid (not used, revoked or"
        " expired). Reason codes as in the verifier (DOCUMENT_USED, DOCUMENT_REVOKED,"
        " DOCUMENT_NOT_IN_REGISTER, SEAL_NOT_IN_REGISTER, …); messages in lang.",
        scopes=(Scope.STATUS_READ,),
        body="SealCheckRequest",
        responses={200: ("the report", "Report", "application/json")},
    ),
)
@scope_required(Scope.STATUS_READ)
def check_seal() -> Response:
    body = json_body("SealCheckRequest")
    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
    report = check.check_seal(
        db(),
        body["seal"],
        trust,
        now(),
        issuing_country=state().config.issuing_country,
        readings=seal_readings(),
    )
    db().rollback()  # end the read transaction
    return jsonify(localize(report, body.get("lang", "en")).to_dict())


@API.route(
    bp,
    Operation(
        "get",
        "/openapi.json",
        "openapi",
        "This document.",
        public=True,
        responses={200: ("OpenAPI 3.1", None, "application/json")},
    ),
)
def openapi() -> Response:
    return jsonify(API.openapi(url_for("api.openapi").rsplit("/", 1)[0]))
