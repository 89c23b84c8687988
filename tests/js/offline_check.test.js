// The browser's seal check (legalize/web/static/scan/) against the shared offline vectors
// (tests/vectors/offline/, made by tests/vectors/offline.py): the same verdicts, reason codes
// and fields as the server's verifier, except where the manifest says the browser does not
// read a seal. Run by tests/test_scan_js.py (node:test; Node's WebCrypto is the browser's API).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { verifySeal } from "../../legalize/web/static/scan/verify.js";
import { canonicalJson, checkTrustList, derToRaw } from "../../legalize/web/static/scan/trustlist.js";
import { c40Decode, base32Decode, checkCharacter, stripUrl } from "../../legalize/web/static/scan/seal.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = path.join(here, "..", "vectors", "offline");
const manifest = JSON.parse(readFileSync(path.join(vectors, "manifest.json"), "utf8"));
const trustDir = path.join(vectors, manifest.trust_store);
const listText = readFileSync(path.join(trustDir, "trust-list.json"), "utf8");
const rootPem = readFileSync(path.join(trustDir, manifest.root_certificate), "utf8");
const noon = (day) => new Date(`${day}T12:00:00Z`);

async function checkedList(list = JSON.parse(listText), pin = manifest.root_sha256) {
  return checkTrustList({ list, rootPem, pin, at: noon("2026-02-01") });
}

test("the signed trust list verifies against the pinned root", async () => {
  const checked = await checkedList();
  assert.deepEqual(checked.problems, []);
  assert.equal(checked.verified, true);
  assert.equal(checked.stale, false);
  assert.ok(checked.signers.length >= 10);
});

test("a changed trust list, a wrong pin and a foreign signature are refused", async () => {
  const list = JSON.parse(listText);
  list.next_update = "2099-01-01T00:00:00+00:00";
  const moved = await checkedList(list);
  assert.equal(moved.verified, false);
  assert.deepEqual(moved.problems, ["the list's signature does not verify"]);
  assert.deepEqual(moved.signers, []);

  const revived = JSON.parse(listText);
  for (const signer of revived.signers) signer.revoked = null; // un-revoke LKTR
  assert.equal((await checkedList(revived)).verified, false);

  const wrongPin = await checkedList(JSON.parse(listText), "00".repeat(32));
  assert.deepEqual(wrongPin.problems, ["the root certificate is not the pinned one"]);
  assert.equal((await checkedList(JSON.parse(listText), "")).verified, false); // no pin, no trust

  const foreign = JSON.parse(listText);
  foreign.signature.signer_sha256 = "11".repeat(32); // names another root as its signer
  assert.ok((await checkedList(foreign)).problems.includes("the list is not signed by this root"));
});

test("during a root rollover the page pins both roots", async () => {
  const both = await checkedList(JSON.parse(listText), `${"22".repeat(32)} ${manifest.root_sha256}`);
  assert.equal(both.verified, true);
});

test("an old trust list is stale at a later date", async () => {
  const list = JSON.parse(listText);
  const later = await checkTrustList({ list, rootPem, pin: manifest.root_sha256, at: noon("2026-06-01") });
  assert.equal(later.verified, true);
  assert.equal(later.stale, true);
});

test("canonical JSON is Python's sort_keys/ensure_ascii form", () => {
  assert.equal(canonicalJson({ b: [1, null, true], a: "Köln\u{1F600}\n\"" }), '{"a":"K\\u00f6ln\\ud83d\\ude00\\n\\"","b":[1,null,true]}');
});

test("DER signatures become raw r||s with the sign byte dropped and short integers padded", () => {
  // SEQUENCE { INTEGER 0x00 0x80 0x01 (sign byte), INTEGER 0x05 } for a 2-byte curve size
  const der = Uint8Array.from([0x30, 0x08, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x01, 0x05]);
  assert.deepEqual(Array.from(derToRaw(der, 2)), [0x80, 0x01, 0x00, 0x05]);
});

test("the check code's check character is Damm's, as in checkcode.py", () => {
  assert.equal(checkCharacter("7K3M9QXR2HVD9"), "G"); // the vectors' 7K3M-9QXR-2HVD-9G
  assert.notEqual(checkCharacter("7K3M9QXR2HDV9"), "G"); // neighbours swapped: caught
  assert.notEqual(checkCharacter("7K3M9QXR2HVD8"), "G"); // one character changed: caught
});

test("C40, Base32 and the URL prefix decode as docs/seal-format.md says", () => {
  assert.equal(c40Decode(Uint8Array.from([0xa0, 0x0f])), "LKA");
  assert.throws(() => c40Decode(Uint8Array.from([0xa0])), /odd length/);
  assert.deepEqual(Array.from(base32Decode("3QBQ")), [0xdc, 0x03]);
  assert.equal(base32Decode("3Q1"), null);
  assert.equal(stripUrl(" https://check.example.lk/s/3QBQ "), "3QBQ");
});

for (const vector of manifest.vectors) {
  test(`vector ${vector.name}: ${vector.note}`, async () => {
    const { signers } = await checkedList();
    const input = vector.input === "hex" ? Uint8Array.from(Buffer.from(vector.value, "hex")) : vector.value;
    const report = await verifySeal(input, signers, noon(vector.at));
    const codes = report.checks
      .filter((c) => ["INVALID", "ERROR"].includes(c.status) || (c.status === "SKIPPED" && !["NOT_APPLICABLE", "PRECONDITION_FAILED"].includes(c.code)))
      .map((c) => c.code);
    assert.deepEqual({ verdict: report.verdict, codes }, vector.browser, JSON.stringify(report.checks));
    assert.deepEqual(
      report.checks.map((c) => c.name),
      ["seal.format", "seal.profile", "seal.signer", "seal.signature", "seal.trust", "document.validity"],
    );
    if (vector.fields && vector.browser.verdict === vector.verdict) {
      for (const [key, value] of Object.entries(vector.fields)) {
        assert.deepEqual(report.fields[key], value, key);
      }
    }
  });
}
