// Reads WARC files with Webrecorder's warcio.js (an independent reader) and
// checks every record: it parses, its Content-Length is right (warcio warns
// "Content-Length Too Small" otherwise: treated as a failure here), the
// WARC-Payload-Digest of every response, and the WARC-Block-Digest of every
// record without HTTP headers, equal the sha1 (base32) of the bytes read,
// and every revisit names (WARC-Refers-To) a response of the files read
// with its WARC-Refers-To-Target-URI and -Date (and, for the profile
// identical-payload-digest, its payload digest); and warcio reads each file
// to its end (a damaged or torn record fails the check).
//   node check.mjs [--expect FILE] WARC...
// --expect FILE: {"served": [{"url", "body_hex"}, ...]}, every answer the
// server gave: each URL's responses and revisits must be as many as its
// answers, each response's body one of them byte for byte, and no other URL
// archived. Run through scripts/warcio-check.sh, which installs warcio.
// Prints each file's record counts and a "totals" line (JSON, with the
// revisits by profile); exit 0 when everything checks out, 1 otherwise.
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { WARCParser } from "warcio";

function base32(bytes) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "", buffer = 0, bits = 0;
  for (const b of bytes) {
    buffer = ((buffer << 8) | b) & 0xfff; bits += 8;
    while (bits >= 5) { out += alphabet[(buffer >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
const sha1 = (bytes) => "sha1:" + base32(createHash("sha1").update(bytes).digest());
const profileName = (uri) => (uri || "").split("/").pop();

let failures = 0;
const fail = (message) => { failures++; console.error("FAIL " + message); };
const warn = console.warn;
console.warn = (...args) => { fail("warcio: " + args.join(" ")); warn(...args); };

let args = process.argv.slice(2);
let expect = null;
if (args[0] === "--expect") {
  expect = JSON.parse(readFileSync(args[1], "utf8")).served;
  args = args.slice(2);
}

const totals = {};
const responses = new Map();  // WARC-Record-ID -> {uri, date, digest}
const revisits = [];
const archived = new Map();   // URL -> {bodies: [hex of each response payload], revisits: N}
const archivedOf = (uri) => {
  if (!archived.has(uri)) archived.set(uri, { bodies: [], revisits: 0 });
  return archived.get(uri);
};

for (const file of args) {
  const counts = {};
  const parser = new WARCParser(createReadStream(file));
  for await (const record of parser) {
    const type = record.warcType;
    counts[type] = (counts[type] || 0) + 1;
    const payload = await record.readFully(false);  // raw: no content decoding
    const uri = record.warcTargetURI || "";
    const where = `${file}@${parser.offset} ${type} ${uri}`;
    if (!type) fail(`${where}: not a WARC record`);
    if (type === "response" && record.warcPayloadDigest !== sha1(payload))
      fail(`${where}: payload digest ${record.warcPayloadDigest} != ${sha1(payload)}`);
    if (!record.httpHeaders && record.warcBlockDigest && record.warcBlockDigest !== sha1(payload))
      fail(`${where}: block digest ${record.warcBlockDigest} != ${sha1(payload)}`);
    if ((type === "response" || type === "request" || type === "revisit") && !record.httpHeaders)
      fail(`${where}: no HTTP headers`);
    if (type === "response") {
      responses.set(record.warcHeader("WARC-Record-ID"), { uri, date: record.warcDate, digest: record.warcPayloadDigest });
      archivedOf(uri).bodies.push(Buffer.from(payload).toString("hex"));
    }
    if (type === "revisit") {
      if (payload.length) fail(`${where}: a revisit with a body`);
      const profile = profileName(record.warcHeader("WARC-Profile"));
      totals[profile] = (totals[profile] || 0) + 1;
      revisits.push({ where, profile, refersTo: record.warcHeader("WARC-Refers-To"), uri: record.warcRefersToTargetURI,
                      date: record.warcRefersToDate, digest: record.warcPayloadDigest });
      archivedOf(uri).revisits++;
    }
  }
  if (!counts.warcinfo) fail(`${file}: no warcinfo record`);
  const size = statSync(file).size;
  if (parser.offset !== size) fail(`${file}: warcio stops at offset ${parser.offset} of ${size} bytes (damaged or torn)`);
  for (const [type, n] of Object.entries(counts)) totals[type] = (totals[type] || 0) + n;
  console.log(file, JSON.stringify(counts));
}

for (const r of revisits) {
  const original = responses.get(r.refersTo);
  if (!original) { fail(`${r.where}: WARC-Refers-To ${r.refersTo} is no response of these files`); continue; }
  if (original.uri !== r.uri) fail(`${r.where}: WARC-Refers-To-Target-URI ${r.uri} != ${original.uri}`);
  if (original.date !== r.date) fail(`${r.where}: WARC-Refers-To-Date ${r.date} != ${original.date}`);
  if (r.profile === "identical-payload-digest" && original.digest !== r.digest)
    fail(`${r.where}: payload digest ${r.digest} != the original's ${original.digest}`);
  if (r.profile !== "identical-payload-digest" && r.profile !== "server-not-modified")
    fail(`${r.where}: unknown WARC-Profile ${r.profile}`);
}

if (expect) {
  const served = new Map();  // URL -> [hex of each answer's body]
  for (const { url, body_hex } of expect) {
    if (!served.has(url)) served.set(url, []);
    served.get(url).push(body_hex);
  }
  for (const [url, got] of archived)
    if (!served.has(url)) fail(`${url}: archived, but the server never answered it`);
  for (const [url, bodies] of served) {
    const got = archived.get(url) || { bodies: [], revisits: 0 };
    if (got.bodies.length + got.revisits !== bodies.length)
      fail(`${url}: ${bodies.length} answers, but ${got.bodies.length} responses and ${got.revisits} revisits`);
    const left = [...bodies];
    for (const body of got.bodies) {
      const i = left.indexOf(body);
      if (i < 0) fail(`${url}: a response body the server did not send (${body.length / 2} bytes)`);
      else left.splice(i, 1);
    }
  }
}

console.log("totals", JSON.stringify(totals));
process.exit(failures ? 1 : 0);
