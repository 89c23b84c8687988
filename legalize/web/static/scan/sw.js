// The service worker of the camera check (served as /scan-sw.js, scope /scan): keeps the
// page, its scripts, the QR decoder (JS + wasm) and the published trust list, so /scan works
// without a network once visited. Network first, so an online visit always gets the current
// trust list and code; the cache answers when the network does not. The register's status
// (/scan/status) is never cached: offline, the page says it will add it later.

const CACHE = "legalize-scan-v1";
const base = new URL("./", self.location).href;
const SHELL = [
  "scan",
  "static/site.css",
  "static/scan/scan.js",
  "static/scan/seal.js",
  "static/scan/trustlist.js",
  "static/scan/verify.js",
].map((path) => new URL(path, base).href);
// The polyfill, absent where `make vendor` did not run (a browser with its own
// BarcodeDetector does without): kept when there, and its absence does not stop the rest.
const DECODER = ["static/vendor/barcode-detector.js", "static/vendor/zxing_reader.wasm"].map(
  (path) => new URL(path, base).href,
);
const TRUST = new URL("trust/", base).href;
const KEPT = [new URL("scan", base).href, new URL("static/", base).href, TRUST];

/** The trust list and every file it names (their URLs), as the page will ask for them. */
async function trustFiles() {
  const list = await (await fetch(TRUST, { cache: "no-store" })).json();
  return [TRUST, ...list.files.map((f) => new URL(f.name, TRUST).href)];
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      await cache.addAll(await trustFiles());
      await cache.addAll(DECODER).catch(() => undefined);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const url = event.request.url.split("#")[0].split("?")[0];
  const kept = event.request.method === "GET" && KEPT.some((prefix) => url.startsWith(prefix));
  if (!kept || url.startsWith(new URL("scan/status", base).href)) return; // the network's, as usual
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const answer = await fetch(event.request);
        if (answer.ok) await cache.put(url, answer.clone());
        return answer;
      } catch (error) {
        const kept = await cache.match(url);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
