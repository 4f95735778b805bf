// Reads WARC files with Webrecorder's warcio.js (an independent reader) and
// checks every record: it parses, its Content-Length is right (warcio warns
// "Content-Length Too Small" otherwise: treated as a failure here), and the
// WARC-Payload-Digest of every response, and the WARC-Block-Digest of every
// record without HTTP headers, equal the sha1 (base32) of the bytes read.
// Run through scripts/warcio-check.sh, which installs warcio. Exit 0 when
// every file checks out, 1 otherwise.
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { WARCParser } from "warcio";

function base32(bytes) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "", buffer = 0, bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b; bits += 8;
    while (bits >= 5) { out += alphabet[(buffer >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
const sha1 = (bytes) => "sha1:" + base32(createHash("sha1").update(bytes).digest());

let failures = 0;
const fail = (message) => { failures++; console.error("FAIL " + message); };
const warn = console.warn;
console.warn = (...args) => { fail("warcio: " + args.join(" ")); warn(...args); };

for (const file of process.argv.slice(2)) {
  const counts = {};
  const parser = new WARCParser(createReadStream(file));
  for await (const record of parser) {
    const type = record.warcType;
    counts[type] = (counts[type] || 0) + 1;
    const payload = await record.readFully(false);  // raw: no content decoding
    const where = `${file}@${parser.offset} ${type} ${record.warcTargetURI || ""}`;
    if (type === "response" && record.warcPayloadDigest !== sha1(payload))
      fail(`${where}: payload digest ${record.warcPayloadDigest} != ${sha1(payload)}`);
    if (!record.httpHeaders && record.warcBlockDigest && record.warcBlockDigest !== sha1(payload))
      fail(`${where}: block digest ${record.warcBlockDigest} != ${sha1(payload)}`);
    if ((type === "response" || type === "request") && !record.httpHeaders) fail(`${where}: no HTTP headers`);
  }
  if (!counts.warcinfo) fail(`${file}: no warcinfo record`);
  console.log(file, JSON.stringify(counts));
}
process.exit(failures ? 1 : 0);
