// The signed trust list of /trust/ (legalize/pki/trustlist.py), checked in the browser:
// the root certificate must be the pinned one, the list's ECDSA signature by that root must
// verify over the canonical JSON, and the list must be current. The list's "signers" section
// (TrustStore.signer_summary) then gives each signer's key, validity, document types and
// revocation, so no X.509 or CRL parsing is needed here beyond finding the root's key.

const subtle = globalThis.crypto.subtle;

/** WebCrypto's names for the curves and the hash TR-03116 pairs with each (brainpool and
 * the other TR-03116 curves are not in WebCrypto: such seals are "unsupported" here). */
export const CURVES = {
  secp256r1: { name: "P-256", hash: "SHA-256", size: 32 },
  prime256v1: { name: "P-256", hash: "SHA-256", size: 32 },
  secp384r1: { name: "P-384", hash: "SHA-384", size: 48 },
  secp521r1: { name: "P-521", hash: "SHA-512", size: 66 },
};
const LIST_HASHES = { "ecdsa-with-SHA256": "SHA-256", "ecdsa-with-SHA384": "SHA-384", "ecdsa-with-SHA512": "SHA-512" };
// Curve OIDs (DER of the OBJECT IDENTIFIER's value) of the root's SubjectPublicKeyInfo.
const CURVE_OIDS = {
  "2a8648ce3d030107": CURVES.secp256r1,
  "2b81040022": CURVES.secp384r1,
  "2b81040023": CURVES.secp521r1,
};

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export async function sha256Hex(bytes) {
  return toHex(new Uint8Array(await subtle.digest("SHA-256", bytes)));
}

/** JSON as Python writes it with sort_keys=True, separators=(",", ":"), ensure_ascii=True:
 * the bytes the root signed. Only what a trust list holds: objects, arrays, strings, integers,
 * booleans and null. */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error("a trust list holds no fractions");
    return String(value);
  }
  if (typeof value === "string") {
    // JSON.stringify escapes as Python does below U+0080; Python also escapes the rest.
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort(); // code-unit order = Python's for BMP keys
  return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

/** The DER of the first CERTIFICATE block of a PEM text. */
export function pemToDer(text) {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  if (!match) throw new Error("no PEM certificate");
  return fromBase64(match[1].replace(/\s+/g, ""));
}

/** One DER element at pos: {tag, start (of the value), end}. Definite lengths only. */
function element(der, pos) {
  const tag = der[pos];
  let length = der[pos + 1];
  let start = pos + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    start += count;
  }
  if (start + length > der.length) throw new Error("DER element runs past the end");
  return { tag, start, end: start + length, whole: der.subarray(pos, start + length) };
}

function children(der, parent) {
  const out = [];
  for (let pos = parent.start; pos < parent.end; pos = out[out.length - 1].end) out.push(element(der, pos));
  return out;
}

/** The SubjectPublicKeyInfo of a certificate and its curve: Certificate → tbsCertificate →
 * [version], serial, signature, issuer, validity, subject, subjectPublicKeyInfo (RFC 5280). */
export function publicKeyOfCertificate(der) {
  const tbs = children(der, element(der, 0))[0];
  const fields = children(der, tbs);
  const spki = fields[fields[0].tag === 0xa0 ? 6 : 5];
  const algorithm = children(der, children(der, spki)[0]);
  const curveOid = algorithm[1] ? toHex(der.subarray(algorithm[1].start, algorithm[1].end)) : "";
  const curve = CURVE_OIDS[curveOid];
  if (!curve) throw new Error("the root's key is not on a curve WebCrypto verifies");
  return { spki: spki.whole, curve };
}

/** A DER SEQUENCE { r INTEGER, s INTEGER } → raw r‖s of size bytes each (what WebCrypto wants). */
export function derToRaw(der, size) {
  const [r, s] = children(der, element(der, 0));
  const out = new Uint8Array(2 * size);
  for (const [i, part] of [r, s].entries()) {
    let value = der.subarray(part.start, part.end);
    while (value.length > size && value[0] === 0) value = value.subarray(1); // sign byte
    if (value.length > size) throw new Error("signature integer too long");
    out.set(value, (i + 1) * size - value.length);
  }
  return out;
}

export async function verifyEcdsa(spki, curve, signature, data) {
  const key = await subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve.name }, false, ["verify"]);
  return subtle.verify({ name: "ECDSA", hash: curve.hash }, key, signature, data);
}

/**
 * Check a trust list: {list, rootPem, pin (hex SHA-256 of the root certificate's DER; several
 * separated by blanks during a root rollover), at}
 * → {verified, problems, issuedAt, nextUpdate, stale, signers}. Never throws for a bad list.
 */
export async function checkTrustList({ list, rootPem, pin, at }) {
  const problems = [];
  const result = { verified: false, problems, issuedAt: null, nextUpdate: null, stale: true, signers: [] };
  try {
    if (list.format !== "legalize-trust-list/1") throw new Error(`unknown trust list format ${list.format}`);
    result.issuedAt = new Date(list.issued_at);
    result.nextUpdate = new Date(list.next_update);
    result.stale = !(result.nextUpdate >= at);
    const rootDer = pemToDer(rootPem);
    const rootSha = await sha256Hex(rootDer);
    if (!pin || !pin.toLowerCase().split(/\s+/).includes(rootSha)) {
      problems.push("the root certificate is not the pinned one");
    }
    if (list.signature.signer_sha256 !== rootSha) problems.push("the list is not signed by this root");
    const hash = LIST_HASHES[list.signature.algorithm];
    if (!hash) throw new Error(`unknown signature algorithm ${list.signature.algorithm}`);
    const { spki, curve } = publicKeyOfCertificate(rootDer);
    const { signature, ...body } = list;
    const raw = derToRaw(fromBase64(signature.value), curve.size);
    const data = new TextEncoder().encode(canonicalJson(body));
    const key = await subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve.name }, false, ["verify"]);
    if (!(await subtle.verify({ name: "ECDSA", hash }, key, raw, data))) {
      problems.push("the list's signature does not verify");
    }
    if (!Array.isArray(list.signers)) problems.push("the list carries no signer summary");
  } catch (error) {
    problems.push(`unreadable trust list: ${error.message}`);
  }
  result.verified = problems.length === 0;
  if (result.verified) result.signers = list.signers;
  return result;
}

const bareHex = (text) => text.toUpperCase().replace(/^0+/, "");

/** The trusted signers a seal names (signer id + certificate reference = serial in hex). */
export function findSigners(signers, signerId, certReference) {
  if (!/^[0-9A-Fa-f]+$/.test(certReference)) return [];
  return signers.filter(
    (s) => s.signer_id.toUpperCase() === signerId.toUpperCase() && bareHex(s.cert_reference) === bareHex(certReference),
  );
}
