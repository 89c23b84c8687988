// Verify a scanned seal in the browser against a checked trust list, as verifier/seal.py
// does on the server: the same checks in the same order, the same reason codes and the same
// verdict rule (verifier/report.py verdict_of). What differs, and why: only VDS seals
// (no IDB), only the NIST curves WebCrypto implements (P-256/384/521; brainpool seals are
// INDETERMINATE here), and profiles other than ours are not decoded (SEAL_UNSUPPORTED).

import { SealError, TTD, LEGALIZATION, decodeVds, parseQrText, readProfile } from "./seal.js";
import { CURVES, derToRaw, findSigners, fromBase64, verifyEcdsa } from "./trustlist.js";

const check = (name, status, code, message) => ({ name, status, code, message });
const ok = (name, message) => check(name, "VALID", "OK", message);
const fail = (name, code, message) => check(name, "INVALID", code, message);
const skipped = (name, message, code = "PRECONDITION_FAILED") => check(name, "SKIPPED", code, message);

/** The one verdict rule (verifier/report.py). */
export function verdictOf(checks) {
  if (!checks.length) return "INDETERMINATE";
  if (checks.some((c) => c.status === "INVALID")) return "INVALID";
  if (checks.some((c) => c.status === "ERROR")) return "INDETERMINATE";
  if (checks.some((c) => c.status === "SKIPPED" && c.code !== "NOT_APPLICABLE")) return "INDETERMINATE";
  return "VALID";
}

/** The signature as WebCrypto wants it: raw r‖s; a DER SEQUENCE is accepted too, as the
 * server's verifier does (docs/seal-format.md §1.3). */
function rawSignature(signature, size) {
  if (signature.length === 2 * size) return signature;
  if (signature[0] === 0x30) return derToRaw(signature, size);
  return null;
}

async function verifySignature(seal, signers) {
  let unusable = 0;
  for (const signer of signers) {
    const curve = CURVES[signer.curve];
    const raw = curve && rawSignature(seal.signature, curve.size);
    if (!curve) {
      unusable += 1;
      continue;
    }
    if (raw && (await verifyEcdsa(fromBase64(signer.public_key), curve, raw, seal.signedBytes))) {
      return [ok("seal.signature", "The signature verifies."), signer];
    }
  }
  if (unusable === signers.length) {
    // A limit of this page, not of the seal: INDETERMINATE, and the online check can tell.
    const message = `The signer's curve (${signers[0].curve}) cannot be checked in the browser; use the online check.`;
    return [skipped("seal.signature", message, "SEAL_UNSUPPORTED"), null];
  }
  const message = "The signature does not match the seal's content: it was altered or not made by the named signer.";
  return [fail("seal.signature", "SEAL_SIGNATURE_INVALID", message), null];
}

const day = (at) => at.toISOString().slice(0, 10);

/** Signer rules of legalize/pki/trust.py, from the signed summary: revoked, validity, type. */
function trustCheck(signer, at, docType) {
  const revoked = signer.revoked;
  if (revoked && (revoked.always || new Date(revoked.since) <= at)) {
    const message = `The signer certificate was revoked on ${revoked.since.slice(0, 10)} (${revoked.reason}).`;
    return fail("seal.trust", "SIGNER_REVOKED", message);
  }
  if (at < new Date(signer.not_before)) {
    return fail("seal.trust", "SIGNER_NOT_YET_VALID", `The signer certificate is valid only from ${signer.not_before}.`);
  }
  if (at > new Date(signer.not_after)) {
    return fail("seal.trust", "SIGNER_EXPIRED", `The signer certificate expired on ${signer.not_after}.`);
  }
  if (docType && signer.doc_types && !signer.doc_types.includes(docType)) {
    const allowed = signer.doc_types.join(", ") || "nothing";
    return fail("seal.trust", "SIGNER_NOT_ALLOWED", `The signer may sign ${allowed}, not ${docType}.`);
  }
  return ok("seal.trust", "The signer is trusted.");
}

function validityCheck(fields, at) {
  const name = "document.validity";
  if (fields && fields.profile === LEGALIZATION.profile) {
    return skipped(name, "A legalization does not expire.", "NOT_APPLICABLE");
  }
  if (!fields || fields.profile !== TTD.profile) return skipped(name, "The document's validity is not known.");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(fields.expiry_date)) {
    return fail(name, "SEAL_MALFORMED", "The MRZ has no readable expiry date.");
  }
  if (fields.issue_date > day(at)) {
    return fail(name, "DOCUMENT_NOT_YET_VALID", `The document is issued on ${fields.issue_date}, after today.`);
  }
  if (day(at) > fields.expiry_date) {
    return fail(name, "DOCUMENT_EXPIRED", `The document expired on ${fields.expiry_date}.`);
  }
  return ok(name, `The document is valid until ${fields.expiry_date}.`);
}

/**
 * Verify a scanned QR text (or VDS bytes) at time `at` against `signers` (the verified trust
 * list's summary) → {verdict, checks, fields}. Never throws for bad input.
 */
export async function verifySeal(input, signers, at) {
  const checks = [];
  let seal;
  try {
    seal = typeof input === "string" ? decodeVds(parseQrText(input)) : decodeVds(input);
  } catch (error) {
    const code = error instanceof SealError ? error.code : "SEAL_UNREADABLE";
    // An IDB is a seal this page does not read, not a bad one: INDETERMINATE, not INVALID.
    const status = error.notRead ? "SKIPPED" : "INVALID";
    checks.push(check("seal.format", status, code, error.message));
    for (const name of ["seal.profile", "seal.signer", "seal.signature", "seal.trust", "document.validity"]) {
      checks.push(skipped(name, "The seal could not be read."));
    }
    return { verdict: verdictOf(checks), checks, fields: {} };
  }
  const h = seal.header;
  // The header data verifier/seal.py reports (_header_data), then the profile's fields.
  const fields = {
    format: "VDS",
    issuing_country: h.country,
    signer_id: h.signerId,
    cert_reference: h.certReference,
    issue_date: h.issueDate,
    signature_date: h.signatureDate,
  };
  checks.push(ok("seal.format", "A well-formed VDS seal."));

  let profile = null;
  try {
    profile = readProfile(seal);
    if (profile) {
      Object.assign(fields, profile);
      checks.push(ok("seal.profile", `Profile ${profile.profile}.`));
    } else {
      const ref = ((h.feature << 8) | h.category).toString(16).toUpperCase().padStart(4, "0");
      checks.push(skipped("seal.profile", `Profile ${ref} is not one this page reads.`, "SEAL_UNSUPPORTED"));
    }
  } catch (error) {
    checks.push(fail("seal.profile", error.code || "SEAL_MALFORMED", error.message));
  }

  const candidates = findSigners(signers, h.signerId, h.certReference);
  checks.push(
    candidates.length
      ? ok("seal.signer", "The signer certificate is in the trust list.")
      : fail("seal.signer", "SIGNER_UNKNOWN", "The trust list holds no certificate matching the seal's signer reference."),
  );
  let chosen = null;
  if (candidates.length) {
    let signatureCheck;
    try {
      [signatureCheck, chosen] = await verifySignature(seal, candidates);
    } catch (error) {
      signatureCheck = check("seal.signature", "ERROR", "CHECK_ERROR", `The check failed: ${error.message}`);
    }
    checks.push(signatureCheck);
  } else {
    checks.push(skipped("seal.signature", "No signer certificate."));
  }
  if (chosen) {
    const docType = profile ? (profile.profile === TTD.profile ? TTD.docType : LEGALIZATION.docType) : null;
    checks.push(trustCheck(chosen, at, docType));
  } else {
    checks.push(skipped("seal.trust", candidates.length ? "The signature did not verify." : "No signer certificate."));
  }
  checks.push(validityCheck(profile, at));
  return { verdict: verdictOf(checks), checks, fields };
}
