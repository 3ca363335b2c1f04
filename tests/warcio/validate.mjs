// Reads WARC files with warcio.js (not medscrape's reader) and prints one JSON line per
// record: its type, fields, and digests recomputed here, for tests/warc_crawl_test.py.
//   node tests/warcio/validate.mjs FILE...
// Each line: {file, index, type, id, uri, date, concurrent, profile, refers_uri, refers_date,
// truncated, ip, kind, status, block_digest, block_digest_ok, payload_digest,
// payload_digest_ok, content_sha256}. content_sha256 is the SHA-256 of the body as warcio
// decodes it (chunking and Content-Encoding undone), for response records. A file warcio
// cannot parse prints {file, error} and the process exits 1.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { WARCParser } from "warcio";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes) {
  let out = "", buffer = 0, bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
const sha1 = (bytes) => "sha1:" + base32(createHash("sha1").update(bytes).digest());
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

function indexOf(bytes, pattern) {
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

// RFC 9112 7.1, written here so the test does not trust medscrape's dechunker.
function dechunk(bytes) {
  const parts = [];
  let at = 0;
  for (;;) {
    const eol = indexOf(bytes.subarray(at), [13, 10]);
    if (eol < 0) break;
    const size = parseInt(Buffer.from(bytes.subarray(at, at + eol)).toString("latin1").split(";")[0], 16);
    at += eol + 2;
    if (!(size > 0)) break;
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
  return Buffer.concat(parts);
}

async function records(file, parseHttp) {
  const out = [];
  const parser = new WARCParser(createReadStream(file), { parseHttp });
  for await (const record of parser) {
    const bytes = await record.readFully(parseHttp);
    out.push({ record, bytes });
  }
  return out;
}

let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const raw = await records(file, false);
    const decoded = await records(file, true);
    raw.forEach(({ record, bytes }, index) => {
      const field = (name) => record.warcHeaders.headers.get(name);
      const line = {
        file, index, type: record.warcType, id: field("WARC-Record-ID"),
        uri: record.warcTargetURI ?? null, date: field("WARC-Date"),
        concurrent: field("WARC-Concurrent-To"), profile: field("WARC-Profile"),
        refers_uri: field("WARC-Refers-To-Target-URI"), refers_date: field("WARC-Refers-To-Date"),
        truncated: field("WARC-Truncated"), ip: field("WARC-IP-Address"),
        kind: field("Medscrape-Kind"), length: Number(field("Content-Length")),
        block_digest: field("WARC-Block-Digest"), payload_digest: field("WARC-Payload-Digest"),
      };
      line.length_ok = line.length === bytes.length;
      if (line.block_digest) line.block_digest_ok = sha1(bytes) === line.block_digest;
      if (line.type === "response" || line.type === "revisit") {
        const end = indexOf(bytes, [13, 10, 13, 10]);
        const head = Buffer.from(bytes.subarray(0, end)).toString("latin1");
        line.status = Number(head.split(" ")[1]);
        if (line.type === "response") {
          let body = bytes.subarray(end + 4);
          if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) body = dechunk(body);
          line.payload_digest_ok = sha1(body) === line.payload_digest;
          line.content_sha256 = sha256(decoded[index].bytes);
        }
      }
      console.log(JSON.stringify(line));
    });
    if (decoded.length !== raw.length) throw new Error("record counts differ between passes");
  } catch (error) {
    console.log(JSON.stringify({ file, error: String(error) }));
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
