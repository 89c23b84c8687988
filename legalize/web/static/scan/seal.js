// Seal decoding for the browser: the QR text → VDS bytes → header, messages, profile fields.
// Follows docs/seal-format.md (§1.1 VDS, §2 TTD profile, §3 legalization profile, §4 QR text)
// and gives the same fields as legalize/seal/profiles.py (tests/vectors/offline/ holds the
// vectors both are tested against). Only the VDS container is read here: an IDB (RDB1…) seal
// is reported as unsupported in the browser; the server's /V/ page and the verifier CLI read it.

/** A seal problem with its reason code (the codes of verifier/codes.py). */
export class SealError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const MAGIC = 0xdc;
const SIGNATURE_TAG = 0xff;
const VERSIONS = { 0x02: 3, 0x03: 4 };
const C40_ALPHABET = "\0\0\0 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export const TTD = { feature: 0x5e, category: 0x03, docType: "TTD", profile: "TTD" };
export const LEGALIZATION = {
  feature: 0xf0,
  category: 0x0e,
  docType: "LEG",
  profile: "LEGALIZATION",
};
const MRZ_LINE = 36;
const PRINTED_MRZ_LINE = 44;

/** The payload of a scanned text: an http(s) URL prefix up to its last "/" is dropped. */
export function stripUrl(text) {
  const trimmed = text.trim();
  const match = /^https?:\/\/\S*?\/(?=[^/]*$)/i.exec(trimmed);
  return match ? trimmed.slice(match[0].length) : trimmed;
}

/** RFC 4648 Base32 without padding → bytes; null when the text is not Base32. */
export function base32Decode(text) {
  if (!/^[A-Z2-7]+$/.test(text) || [1, 3, 6].includes(text.length % 8)) return null;
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    value = (value << 5) | BASE32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** The VDS bytes a scanned QR text holds (URL + Base32, or hex); SealError otherwise. */
export function parseQrText(text) {
  if (text.length > 256 * 1024) throw new SealError("SEAL_UNREADABLE", "the text is too long to be a seal");
  const payload = stripUrl(text);
  if (/^[RN]DB1/.test(payload)) {
    const error = new SealError("SEAL_UNSUPPORTED", "an ICAO IDB barcode: this page reads VDS seals only; use the online check");
    error.notRead = true;
    throw error;
  }
  if (/^(dc|DC)([0-9a-fA-F]{2})+$/.test(payload)) {
    return Uint8Array.from(payload.match(/../g), (h) => parseInt(h, 16));
  }
  const bytes = base32Decode(payload.toUpperCase());
  if (bytes && bytes.length >= 2 && bytes[0] === MAGIC) return bytes;
  throw new SealError("SEAL_UNREADABLE", "the text holds no seal");
}

/** Strict C40 decoding (ICAO 9303-13), as legalize/seal/c40.py: odd lengths, shifts inside
 * the text, padding before the end and out-of-range values are malformed. */
export function c40Decode(data) {
  if (data.length % 2) throw new SealError("SEAL_MALFORMED", "C40 data of odd length");
  let out = "";
  const last = data.length / 2 - 1;
  for (let i = 0; i <= last; i++) {
    const word = (data[2 * i] << 8) | data[2 * i + 1];
    if (word >> 8 === 0xfe) {
      const ch = word & 0xff ? String.fromCharCode((word & 0xff) - 1) : "";
      if (i !== last || !/^[ 0-9A-Z]$/.test(ch)) {
        throw new SealError("SEAL_MALFORMED", "bad C40 single-character tail");
      }
      out += ch;
      continue;
    }
    const u = word - 1;
    const c1 = Math.floor(u / 1600);
    const c2 = Math.floor(u / 40) % 40;
    const c3 = u % 40;
    if (u < 0 || u >= 64000 || c1 < 3 || c2 < 3) {
      throw new SealError("SEAL_MALFORMED", "C40 value out of range or shift character inside text");
    }
    out += C40_ALPHABET[c1] + C40_ALPHABET[c2];
    if (c3 >= 3) out += C40_ALPHABET[c3];
    else if (c3 !== 0 || i !== last) throw new SealError("SEAL_MALFORMED", "C40 padding inside text");
  }
  return out;
}

function decodeDate(bytes) {
  const digits = String((bytes[0] << 16) | (bytes[1] << 8) | bytes[2]).padStart(8, "0");
  const [month, day, year] = [+digits.slice(0, 2), +digits.slice(2, 4), +digits.slice(4)];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new SealError("SEAL_MALFORMED", `not a date: ${digits}`);
  }
  return `${String(year).padStart(4, "0")}-${digits.slice(0, 2)}-${digits.slice(2, 4)}`;
}

/** A DER length at pos → [length, position after it]; minimal forms only (up to 3 bytes). */
function readLength(data, pos) {
  if (pos >= data.length) throw new SealError("SEAL_MALFORMED", "truncated length");
  const first = data[pos];
  if (first < 0x80) return [first, pos + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 3) throw new SealError("SEAL_MALFORMED", "unsupported length form");
  if (pos + 1 + count > data.length) throw new SealError("SEAL_MALFORMED", "truncated length");
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + data[pos + 1 + i];
  if (length < 0x80 || data[pos + 1] === 0) throw new SealError("SEAL_MALFORMED", "non-minimal length");
  return [length, pos + 1 + count];
}

/** Decode a VDS strictly: {header, messages: [{tag, value}], signature, signedBytes}. */
export function decodeVds(data) {
  if (!data.length || data[0] !== MAGIC) {
    throw new SealError("SEAL_UNREADABLE", "not a visible digital seal (no 0xDC magic constant)");
  }
  if (data.length < 2) throw new SealError("SEAL_MALFORMED", "truncated header");
  const version = VERSIONS[data[1]];
  if (!version) throw new SealError("SEAL_UNSUPPORTED", "VDS header version is not 3 or 4");
  let pos = 2;
  const take = (count) => {
    if (pos + count > data.length) throw new SealError("SEAL_MALFORMED", "truncated header");
    pos += count;
    return data.subarray(pos - count, pos);
  };
  const country = c40Decode(take(2)).replaceAll(" ", "<");
  if (country.length !== 3) throw new SealError("SEAL_MALFORMED", "issuing country is not 3 characters");
  let signerId;
  let certReference;
  if (version === 3) {
    const both = c40Decode(take(6));
    if (both.length !== 9) throw new SealError("SEAL_MALFORMED", "signer and reference are not 9 characters");
    [signerId, certReference] = [both.slice(0, 4), both.slice(4)];
  } else {
    const field = c40Decode(take(4));
    if (field.length !== 6) throw new SealError("SEAL_MALFORMED", "signer identifier field is not 6 characters");
    signerId = field.slice(0, 4);
    if (!/^[0-9A-F]{2}$/.test(field.slice(4))) {
      throw new SealError("SEAL_MALFORMED", "certificate reference length is not hexadecimal");
    }
    const refLength = parseInt(field.slice(4), 16);
    if (refLength === 0) throw new SealError("SEAL_MALFORMED", "empty certificate reference");
    certReference = c40Decode(take(Math.floor((refLength + 2) / 3) * 2));
    if (certReference.length !== refLength) {
      throw new SealError("SEAL_MALFORMED", "certificate reference length mismatch");
    }
  }
  const issueDate = decodeDate(take(3));
  const signatureDate = decodeDate(take(3));
  const [feature, category] = take(2);
  const messages = [];
  for (;;) {
    if (pos >= data.length) throw new SealError("SEAL_MALFORMED", "no signature zone");
    if (data[pos] === SIGNATURE_TAG) break;
    const tag = data[pos];
    const [length, start] = readLength(data, pos + 1);
    if (start + length > data.length) throw new SealError("SEAL_MALFORMED", "an item runs past the end");
    messages.push({ tag, value: data.subarray(start, start + length) });
    pos = start + length;
  }
  if (!messages.length) throw new SealError("SEAL_MALFORMED", "empty message zone");
  const signedBytes = data.subarray(0, pos);
  const [length, start] = readLength(data, pos + 1);
  if (start + length !== data.length) {
    throw new SealError(
      "SEAL_MALFORMED",
      start + length > data.length ? "signature zone length does not match" : "bytes after the signature zone",
    );
  }
  if (length === 0) throw new SealError("SEAL_MALFORMED", "empty signature");
  return {
    header: { version, country, signerId, certReference, issueDate, signatureDate, feature, category },
    messages,
    signature: data.subarray(start),
    signedBytes,
  };
}

function message(seal, tag) {
  const found = seal.messages.find((m) => m.tag === tag);
  return found ? found.value : null;
}

function required(seal, tag, what) {
  const value = message(seal, tag);
  if (value === null) throw new SealError("SEAL_MALFORMED", `missing ${what}`);
  return value;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

const CHECK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford Base32

/** The check character of a check code's 13-character body (legalize/seal/checkcode.py):
 * Damm's scheme over x∘y = 2·x + y in GF(2⁵), modulo x⁵ + x² + 1. */
export function checkCharacter(body) {
  const timesTwo = (v) => ((v << 1) & 0b100000 ? (v << 1) ^ 0b100101 : v << 1);
  let interim = 0;
  for (const ch of body) interim = timesTwo(interim) ^ CHECK_ALPHABET.indexOf(ch);
  return CHECK_ALPHABET[timesTwo(interim)];
}

function checkCode(seal) {
  const raw = message(seal, 0xc1);
  if (raw === null) return null;
  // As checkcode.compact: O→0, I/L→1, then 14 Crockford characters with a matching check.
  const code = c40Decode(raw).replaceAll(" ", "").replaceAll("O", "0").replace(/[IL]/g, "1");
  const wellFormed =
    code.length === 14 &&
    [...code].every((ch) => CHECK_ALPHABET.includes(ch)) &&
    checkCharacter(code.slice(0, 13)) === code[13];
  if (!wellFormed) throw new SealError("SEAL_MALFORMED", "check code is not well-formed");
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`;
}

function utf8(seal, tag, what) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(required(seal, tag, what));
  } catch (error) {
    if (error instanceof SealError) throw error;
    throw new SealError("SEAL_MALFORMED", `${what} is not UTF-8`);
  }
}

/** Date of expiry of the TD2 MRZ (line 2, characters 22-27, read as 20YY); null if unreadable. */
function mrzExpiry(line2) {
  const raw = line2.slice(21, 27);
  if (!/^\d{6}$/.test(raw)) return null;
  const [year, month, day] = [2000 + +raw.slice(0, 2), +raw.slice(2, 4), +raw.slice(4)];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

function ttdFields(seal) {
  const mrz = c40Decode(required(seal, 0x02, "MRZ")).replaceAll(" ", "<");
  if (mrz.length !== 2 * MRZ_LINE) throw new SealError("SEAL_MALFORMED", "the MRZ is not 72 characters");
  const photo = message(seal, 0xc0);
  if (photo !== null && photo.length !== 32) throw new SealError("SEAL_MALFORMED", "photo hash is not 32 bytes");
  let printed = null;
  const rawPrinted = message(seal, 0xc2);
  if (rawPrinted !== null) {
    printed = c40Decode(rawPrinted).replaceAll(" ", "<");
    const agrees =
      printed.length === 2 * PRINTED_MRZ_LINE &&
      printed.slice(0, 5) === mrz.slice(0, 5) &&
      printed.slice(PRINTED_MRZ_LINE, PRINTED_MRZ_LINE + 28) === mrz.slice(MRZ_LINE, MRZ_LINE + 28);
    if (!agrees) throw new SealError("SEAL_MALFORMED", "the printed MRZ disagrees with the MRZ");
  }
  const [line1, line2] = [mrz.slice(0, MRZ_LINE), mrz.slice(MRZ_LINE)];
  const names = line1.slice(5).split("<<");
  const given = names.slice(1).join("<<");
  return {
    profile: TTD.profile,
    issuing_country: seal.header.country,
    issue_date: seal.header.issueDate,
    document_code: line1.slice(0, 2).replace(/<+$/, ""),
    document_number: line2.slice(0, 9).replace(/<+$/, ""),
    surname: names[0].replaceAll("<", " ").trim(),
    given_names: names.length > 1 ? given.replaceAll("<", " ").trim() : "",
    nationality: line2.slice(10, 13).replace(/<+$/, ""),
    date_of_birth: line2.slice(13, 19),
    sex: line2[20],
    expiry_date: mrzExpiry(line2) ?? line2.slice(21, 27),
    mrz: [line1, line2],
    printed_mrz: printed ? [printed.slice(0, PRINTED_MRZ_LINE), printed.slice(PRINTED_MRZ_LINE)] : null,
    photo_hash: photo ? hex(photo) : null,
    check_code: checkCode(seal),
  };
}

function legalizationFields(seal) {
  const sha = required(seal, 0x07, "document hash");
  if (sha.length !== 32) throw new SealError("SEAL_MALFORMED", "document hash is not 32 bytes");
  const country = c40Decode(required(seal, 0x02, "country"));
  if (country.length !== 3) throw new SealError("SEAL_MALFORMED", "country is not 3 characters");
  const code = checkCode(seal);
  return {
    profile: LEGALIZATION.profile,
    issuing_country: seal.header.country,
    date: seal.header.issueDate,
    number: utf8(seal, 0x01, "number"),
    country,
    signed_by: utf8(seal, 0x03, "signed by"),
    capacity: utf8(seal, 0x04, "capacity"),
    seal_of: utf8(seal, 0x05, "seal of"),
    place: utf8(seal, 0x06, "place"),
    document_sha256: hex(sha),
    check_code: code,
  };
}

/** The profile's fields (as profiles.py's fields()), or null for a profile this page does not
 * read (its signature is still checked; the verdict is then INDETERMINATE). */
export function readProfile(seal) {
  const { feature, category } = seal.header;
  if (feature === TTD.feature && category === TTD.category) return ttdFields(seal);
  if (feature === LEGALIZATION.feature && category === LEGALIZATION.category) return legalizationFields(seal);
  return null;
}
