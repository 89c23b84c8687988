// Seals verified per second by the browser's check (legalize/web/static/scan/verify.js) under
// node's WebCrypto: decode + signer lookup + ECDSA P-256 + report, on the offline vectors.
// Usage: node bench/scan_verify.mjs [seconds]
import { readFileSync } from "node:fs";
import { verifySeal } from "../legalize/web/static/scan/verify.js";
import { checkTrustList } from "../legalize/web/static/scan/trustlist.js";

const dir = new URL("../tests/vectors/offline/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
const list = JSON.parse(readFileSync(new URL("trust/trust-list.json", dir), "utf8"));
const rootPem = readFileSync(new URL(`trust/${manifest.root_certificate}`, dir), "utf8");
const at = new Date("2026-02-01T12:00:00Z");
let start = performance.now();
const trust = await checkTrustList({ list, rootPem, pin: manifest.root_sha256, at });
console.log(`trust list checked in ${(performance.now() - start).toFixed(1)} ms (verified: ${trust.verified})`);
const seal = manifest.vectors.find((v) => v.name === "ttd-qr-text").value;
const seconds = Number(process.argv[2] || 2);
let count = 0;
start = performance.now();
while (performance.now() - start < seconds * 1000) {
  const report = await verifySeal(seal, trust.signers, at);
  if (report.verdict !== "VALID") throw new Error(report.verdict);
  count += 1;
}
const elapsed = (performance.now() - start) / 1000;
console.log(`${(count / elapsed).toFixed(0)} seals verified/s (${(1000 * elapsed / count).toFixed(2)} ms each, P-256 TTD QR text)`);
