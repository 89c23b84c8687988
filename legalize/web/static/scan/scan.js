// The camera check page (/scan): start the camera, find a QR code, verify the seal on this
// device against the signed trust list, show the signed data beside a full-width verdict,
// and add the register's status when the network allows. The QR decoder is the browser's
// BarcodeDetector where it reads QR codes, otherwise the barcode-detector polyfill (zxing-wasm)
// from our own /static/vendor/ (copied there by `make vendor`; its .wasm is never fetched
// from a CDN). A service worker (sw.js) keeps all of it for offline use.

import { verifySeal } from "./verify.js";
import { checkTrustList, pemToDer, sha256Hex } from "./trustlist.js";

const root = document.getElementById("scan");
const config = root.dataset;
const $ = (id) => document.getElementById(id);
const say = (text) => {
  $("scan-message").textContent = text;
};

// The words this script writes, in the page's language: the server hands them over in a JSON
// data block (legalize.web.scan.scan_messages; a data block is not executed, so the CSP allows
// it). Placeholders are %(name)s, as in the gettext catalogs they come from.
const MESSAGES = JSON.parse($("scan-messages").textContent);
const t = (key, values = {}) =>
  MESSAGES.words[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
const label = (english) => MESSAGES.labels[english] || english;
/** A problem's reason in the page's language: the verifier catalog's entry, most specific key
 * first (verifier.messages), else the check's own English message. */
function reason(check) {
  const keys = [`${check.code}/${check.name}`];
  if (check.name.startsWith("seal.")) keys.push(`${check.code}/${check.name.slice(5)}`);
  keys.push(check.code);
  const key = keys.find((k) => k in MESSAGES.reasons);
  return key ? MESSAGES.reasons[key] : check.message;
}

// --- the trust list -----------------------------------------------------------------------

/** The checked trust list (fetched; the service worker answers from its cache offline). */
async function loadTrust() {
  const list = await (await fetch(config.trustUrl)).json();
  const candidates = list.files.map((f) => f.name).filter((n) => n.endsWith(".crt"));
  candidates.sort((a, b) => b.endsWith("-root.crt") - a.endsWith("-root.crt")); // roots first
  for (const name of candidates) {
    const pem = await (await fetch(new URL(name, new URL(config.trustUrl, location.href)))).text();
    if ((await sha256Hex(pemToDer(pem))) === list.signature.signer_sha256) {
      return checkTrustList({ list, rootPem: pem, pin: config.rootSha256, at: new Date() });
    }
  }
  return { verified: false, problems: ["the root certificate is not published"], signers: [] };
}

function showTrust(trust) {
  const state = $("trust-state");
  if (!trust.verified) {
    state.textContent = t("trust_unchecked", { problems: trust.problems.join("; ") });
    state.classList.add("stale");
    return;
  }
  const issued = moment(trust.issuedAt);
  const next = DAY.format(trust.nextUpdate);
  const days = Math.floor((Date.now() - trust.issuedAt) / 86400000);
  // Offline the service worker answered from the copy it keeps: say so.
  const where = navigator.onLine ? "" : `${t("trust_offline")} `;
  const age = days === 1 ? t("age_one") : t("age_many", { days });
  state.textContent = where + (trust.stale
    ? t("trust_stale", { issued, next })
    : t("trust_current", { issued, age, next }));
  state.classList.toggle("stale", trust.stale);
}

const trustReady = loadTrust()
  .catch((error) => ({ verified: false, problems: [t("trust_unavailable", { error: error.message })], signers: [] }))
  .then((trust) => {
    showTrust(trust);
    return trust;
  });

// --- showing a result ---------------------------------------------------------------------


// Dates in the page's language, as the server's public pages write them (Babel's "medium"
// date, legalize.web.language.day; Intl reads the same CLDR data): "May 14, 1990",
// "14 மே, 1990". Times are UTC, as the messages that carry them say.
const LANG = document.documentElement.lang || "en";
const DAY = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeZone: "UTC" });
const CLOCK = new Intl.DateTimeFormat(LANG, {
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC",
});
/** A seal's ISO date (1990-05-14) in the page's language; anything else as it is. */
function day(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso ?? "")) return iso;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? iso : DAY.format(date);
}
const moment = (date) => `${DAY.format(date)} ${CLOCK.format(date)}`;

/** 850714 → 1985-07-14 (MRZ birth dates carry two digits of the year). */
// The MRZ leaves the century out: the holder was born on or before the seal's issue date,
// so the latest century that keeps the year at or before the issue year's (the rule of
// legalize.documents.mrz.birth_date, which the /V/ page uses).
function birthDate(yymmdd, issued) {
  if (!/^\d{6}$/.test(yymmdd)) return yymmdd;
  const yy = +yymmdd.slice(0, 2);
  const ceiling = /^\d{4}-/.test(issued ?? "") ? +issued.slice(0, 4) : new Date().getUTCFullYear();
  const year = 2000 + yy <= ceiling ? 2000 + yy : 1900 + yy;
  return `${year}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4)}`;
}

function shownFields(fields) {
  if (fields.profile === "TTD") {
    return [
      ["Document", label("Temporary travel document")],
      ["Name", `${fields.surname}, ${fields.given_names}`],
      ["Date of birth", day(birthDate(fields.date_of_birth, fields.issue_date))],
      ["Sex", fields.sex],
      ["Nationality", fields.nationality],
      ["Document number", fields.document_number],
      ["Issued on", day(fields.issue_date)],
      ["Valid until", day(fields.expiry_date)],
      ["Issuing state", fields.issuing_country],
    ];
  }
  if (fields.profile === "LEGALIZATION") {
    return [
      ["Document", label("Legalization")],
      ["Number", fields.number],
      ["Country of the document", fields.country],
      ["Signed by", fields.signed_by],
      ["Acting in the capacity of", fields.capacity],
      ["Bears the seal of", fields.seal_of],
      ["At", fields.place],
      ["On", day(fields.date)],
      ["SHA-256 of the underlying document", fields.document_sha256],
    ];
  }
  return [];
}

function show(report) {
  $("scan-result").hidden = false;
  const verdict = $("scan-verdict");
  verdict.textContent = t(`verdict_${report.verdict}`);
  verdict.className = `scan-verdict ${report.verdict.toLowerCase()}`;
  verdict.dataset.verdict = report.verdict;
  const list = $("scan-fields");
  list.replaceChildren();
  for (const [name, value] of shownFields(report.fields)) {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = label(name);
    dd.textContent = value;
    list.append(dt, dd);
  }
  const problems = $("scan-problems");
  problems.replaceChildren();
  for (const check of report.checks.filter((c) => c.status !== "VALID" && c.code !== "NOT_APPLICABLE")) {
    const li = document.createElement("li");
    li.textContent = `${check.code}: ${reason(check)}`;
    problems.append(li);
  }
  // A photo to compare exists only on the paper of a TTD.
  $("scan-compare").hidden = report.fields.profile !== "TTD";
  addRegisterStatus(report);
}

// --- the register's status (online only) ---------------------------------------------------

let pendingStatus = null;

async function addRegisterStatus(report) {
  const target = $("scan-register");
  const number = report.fields.document_number || report.fields.number;
  const code = report.fields.check_code;
  pendingStatus = null;
  if (report.verdict === "INVALID" || !number || !code) {
    target.textContent = "";
    return;
  }
  const url = `${config.statusUrl}?number=${encodeURIComponent(number)}&check_code=${encodeURIComponent(code)}`;
  try {
    const answer = await fetch(url, { cache: "no-store" });
    if (answer.status === 404) {
      target.textContent = t("register_none");
      target.className = "scan-register verdict-bad";
      return;
    }
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    const status = await answer.json();
    const word = `status_${status.status}` in MESSAGES.words ? t(`status_${status.status}`) : status.status;
    target.textContent = t("register_status", { status: word, moment: moment(new Date()) });
    target.className = `scan-register ${status.status === "issued" ? "verdict-ok" : "verdict-bad"}`;
    target.dataset.status = status.status;
  } catch {
    target.textContent = t("register_offline");
    target.className = "scan-register";
    pendingStatus = report;
  }
}

window.addEventListener("online", () => {
  if (pendingStatus) addRegisterStatus(pendingStatus);
  loadTrust().then(showTrust, () => undefined); // a fresher list, and no longer "offline"
});

async function check(text) {
  const trust = await trustReady;
  show(await verifySeal(text, trust.verified ? trust.signers : [], new Date()));
}

// --- the camera and the QR decoder ---------------------------------------------------------

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

/** The browser's own detector if it reads QR codes, else the polyfill with our local wasm. */
async function qrDetector() {
  if ("BarcodeDetector" in window && (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
    return new window.BarcodeDetector({ formats: ["qr_code"] });
  }
  const vendor = new URL(config.vendorUrl, location.href);
  await loadScript(new URL("barcode-detector.js", vendor).href);
  const api = window.BarcodeDetectionAPI;
  // Without this the polyfill fetches its .wasm from a CDN: ours is served from our origin.
  api.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? new URL(path, vendor).href : prefix + path) },
    fireImmediately: true,
  });
  return new api.BarcodeDetector({ formats: ["qr_code"] });
}

const CAMERA_ERRORS = {
  NotAllowedError: "camera_denied",
  SecurityError: "camera_denied",
  NotFoundError: "camera_none",
  OverconstrainedError: "camera_unsuitable",
  NotReadableError: "camera_busy",
};

async function startCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    say(t("camera_unsupported"));
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    say(CAMERA_ERRORS[error.name] ? t(CAMERA_ERRORS[error.name]) : t("camera_failed", { error: error.name }));
    root.dataset.cameraError = error.name;
    return;
  }
  const video = $("scan-video");
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  say(t("looking"));
  let detector;
  try {
    detector = await qrDetector();
  } catch (error) {
    say(t("decoder_unavailable", { error: error.message }));
    stream.getTracks().forEach((t) => t.stop());
    return;
  }
  const stop = () => {
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
  };
  const tick = async () => {
    try {
      const found = video.readyState >= 2 ? await detector.detect(video) : [];
      if (found.length) {
        stop();
        say(t("qr_read"));
        $("scan-text").value = found[0].rawValue;
        await check(found[0].rawValue);
        return;
      }
    } catch (error) {
      say(t("decoder_failed", { error: error.message }));
      stop();
      return;
    }
    setTimeout(tick, 200);
  };
  tick();
}

$("scan-start").addEventListener("click", startCamera);
$("scan-form").addEventListener("submit", (event) => {
  event.preventDefault();
  check($("scan-text").value);
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register(config.workerUrl, { scope: new URL("scan", new URL(config.workerUrl, location.href)).pathname })
    .then(() => (root.dataset.worker = "registered"))
    .catch((error) => (root.dataset.worker = `failed: ${error.message}`));
}
