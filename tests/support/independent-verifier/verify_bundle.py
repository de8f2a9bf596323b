#!/usr/bin/env python3
"""An independent verifier of Charter evidence bundles (charter.bundle/v2 and v1), written
from docs/formats/evidence-bundle.md, evidence-log.md and transactions.md alone.

    python verify_bundle.py [--trust TRUST.json] BUNDLE.zip [BUNDLE2.zip ...]

Prints one JSON object per bundle and line:
    {"file", "verdict": pass|fail|unknown, "checks": [{"id", "verdict", "reason", "detail"}...]}
Exit 0 when it ran (whatever the verdicts), 64 on a usage error (no file, unreadable file,
a trust file that is not JSON or not a valid trust file).
See GAPS.md for every reading the documents left open.
"""
import base64
import hashlib
import json
import os
import re
import struct
import sys
import unicodedata
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cjson  # noqa: E402
from cjson import jcs, JsonError, MAX_SAFE  # noqa: E402
import ccrypto  # noqa: E402
from ccrypto import key_id_of, D, SCHEMES  # noqa: E402
import cmmr  # noqa: E402

MiB = 1 << 20
MEMBER_CAP = 64 * MiB
TOTAL_CAP = 512 * MiB
RATIO_FLOOR = 1 * MiB
MAX_ENTRIES = 100_000

COMMON = ["zip.container", "zip.paths", "zip.duplicates", "zip.types", "manifest", "members.present",
          "members.listed", "members.digests", "members.expected", "attestations.signatures",
          "attestations.trust"]
CASE_CHECKS = ["case.request", "case.request.state", "case.transactions", "case.approvals", "case.block",
               "case.block.signature", "case.policy", "proofs.receipt", "proofs.inclusion",
               "checkpoint.quorum", "checkpoint.witnesses"]
SEG_CHECKS = ["segment.blocks", "segment.headers", "segment.signatures", "segment.receipts",
              "proofs.receipts", "proofs.consistency", "checkpoint.from.quorum", "checkpoint.from.witnesses",
              "checkpoint.to.quorum", "checkpoint.to.witnesses"]

HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
UHEX64 = re.compile(r"^[0-9A-F]{64}$")
ANYHEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
HEXSTR = re.compile(r"^(?:[0-9a-f]{2})*$")
B64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


class Fail(Exception):
    """A check's first problem: verdict fail (or unknown), reason, detail."""

    def __init__(self, reason, detail="", verdict="fail", items=None):
        super().__init__(reason)
        self.reason, self.detail, self.verdict, self.items = reason, detail, verdict, items


class Unknown(Fail):
    def __init__(self, reason, detail=""):
        super().__init__(reason, detail, verdict="unknown")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_uint(v):
    return is_int(v) and 0 <= v <= MAX_SAFE


def is_str(v, lo=None, hi=None):
    if not isinstance(v, str):
        return False
    n = len(v)  # code points (the strict parser refuses lone surrogates)
    return (lo is None or n >= lo) and (hi is None or n <= hi)


def exact(obj, keys, optional=()):
    return isinstance(obj, dict) and set(keys) <= set(obj.keys()) <= set(keys) | set(optional)


def strict_b64(s):
    if not isinstance(s, str) or not B64.match(s):
        return None
    try:
        b = base64.b64decode(s, validate=True)
    except Exception:
        return None
    if base64.b64encode(b).decode("ascii") != s:
        return None  # non-zero padding bits
    return b


def sha256hex(b):
    return hashlib.sha256(b).hexdigest()


def jparse(b):
    try:
        return True, cjson.parse(b)
    except JsonError as e:
        return False, str(e)


# =========================================================================== zip (§5 step 1)

class Entry:
    def __init__(self):
        self.name_bytes = b""
        self.flags = 0
        self.method = 0
        self.crc = 0
        self.csize = 0
        self.usize = 0
        self.made_by = 0
        self.ext_attr = 0
        self.lho = 0
        self.data = None
        self.refused = None
        self.name = None
        self.cextra = b""
        self.span_end = 0

    def zip64_fields(self, usize, csize, lho):
        """The ZIP64 extended information extra field (0x0001) of the central directory: the
        fields whose 32-bit value is 0xFFFFFFFF, in the order usize, csize, lho."""
        for tag, data in extra_fields(self.cextra):
            if tag == 0x0001:
                q = 0
                for attr, v in (("usize", usize), ("csize", csize), ("lho", lho)):
                    if v == 0xFFFFFFFF and q + 8 <= len(data):
                        setattr(self, attr, struct.unpack_from("<Q", data, q)[0])
                        q += 8


def extra_fields(x):
    out = []
    q = 0
    while q + 4 <= len(x):
        tag, ln = struct.unpack_from("<HH", x, q)
        out.append((tag, bytes(x[q + 4:q + 4 + ln])))
        q += 4 + ln
    return out


def read_zip(buf):
    """Returns (archive_reason or None, entries, item list [(subject, reason, detail)])."""
    n = len(buf)
    eocd = -1
    lo = max(0, n - 22 - 65535)
    i = n - 4
    while i >= lo:
        if buf[i:i + 4] == b"PK\x05\x06":
            # the last signature searching back from the end; its comment must reach the end exactly
            clen = struct.unpack_from("<H", buf, i + 20)[0] if i + 22 <= n else -1
            if i + 22 + clen == n:
                eocd = i
            break
        i -= 1
    if eocd < 0:
        return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "no end of central directory record ending the file")]
    disk, cd_disk, cnt_disk, cnt, cd_size, cd_off, _ = struct.unpack_from("<HHHHIIH", buf, eocd + 4)
    cd_limit = eocd  # the central directory must end before this
    if eocd >= 20 and buf[eocd - 20:eocd - 16] == b"PK\x06\x07":
        # ZIP64 end of central directory locator right before the end record: read the ZIP64 record
        z_disk, z_off, z_disks = struct.unpack_from("<IQI", buf, eocd - 16)
        if z_disk != 0 or z_disks != 1:
            return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "multi-disk ZIP64 archive")]
        if z_off + 56 > eocd - 20 or buf[z_off:z_off + 4] != b"PK\x06\x06":
            return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "no ZIP64 end of central directory record")]
        (_rs, _mb, _vn, disk, cd_disk, cnt_disk, cnt, cd_size, cd_off) = struct.unpack_from("<QHHIIQQQQ", buf, z_off + 4)
        cd_limit = z_off
    if disk != 0 or cd_disk != 0 or cnt_disk != cnt:
        return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "multi-disk archive")]
    if cnt > MAX_ENTRIES:
        return "TOO_MANY_ENTRIES", [], [("archive", "TOO_MANY_ENTRIES", f"{cnt} entries")]
    if cd_off + cd_size > cd_limit:
        return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "central directory runs past the archive")]
    entries = []
    p = cd_off
    end = cd_off + cd_size
    for k in range(cnt):
        if p + 46 > end or buf[p:p + 4] != b"PK\x01\x02":
            return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", f"damaged central directory at entry {k}")]
        (made_by, _need, flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen, _dsk, _ia, ext,
         lho) = struct.unpack_from("<HHHHHHIIIHHHHHII", buf, p + 4)
        if p + 46 + nlen + xlen + clen > end:
            return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", f"damaged central directory at entry {k}")]
        e = Entry()
        e.made_by, e.flags, e.method, e.crc, e.csize, e.usize, e.ext_attr, e.lho = (
            made_by, flags, method, crc, csize, usize, ext, lho)
        e.name_bytes = bytes(buf[p + 46:p + 46 + nlen])
        e.cextra = bytes(buf[p + 46 + nlen:p + 46 + nlen + xlen])
        e.zip64_fields(usize, csize, lho)
        entries.append(e)
        p += 46 + nlen + xlen + clen
    if p != end:
        return "NOT_A_ZIP", [], [("archive", "NOT_A_ZIP", "central directory size does not match its entries")]

    items = []
    total = 0
    for e in entries:
        subj = e.name_bytes.decode("utf-8", "replace")
        r, d, produced = read_entry(buf, e, total)
        total += produced
        if r == "TOTAL_TOO_LARGE" or (r is None and total > TOTAL_CAP):
            items.append((subj, "TOTAL_TOO_LARGE", "all entries together past 512 MiB"))
            return "TOTAL_TOO_LARGE", entries, items
        if r:
            e.refused = r
            e.data = None
            items.append((subj, r, d))
    # the archive as a whole: when no entry was refused with LOCAL_HEADER_MISMATCH, the entries
    # (local header to end of data, and of its data descriptor) tile bytes 0 .. start of the CD
    if not any(e.refused == "LOCAL_HEADER_MISMATCH" for e in entries):
        spans = sorted((e.lho, e.span_end) for e in entries)
        pos = 0
        why = None
        for a, b in spans:
            if a > pos:
                why = f"{a - pos} byte(s) at offset {pos} that no listed entry covers"
                break
            if a < pos:
                why = f"entries overlap at offset {a}"
                break
            pos = b
        if why is None and pos != cd_off:
            why = (f"{cd_off - pos} byte(s) before the central directory that no listed entry covers" if pos < cd_off
                   else "an entry overlaps the central directory")
        if why:
            items.insert(0, ("archive", "UNLISTED_DATA", why))
            return "UNLISTED_DATA", entries, items
    return None, entries, items


def read_entry(buf, e, total_before):
    n = len(buf)
    h = e.lho
    if h + 30 > n or buf[h:h + 4] != b"PK\x03\x04":
        return "LOCAL_HEADER_MISMATCH", "no local header where the central directory points", 0
    _v, lflags, lmethod, _t, _d, _crc, _cs, _us, lnlen, lxlen = struct.unpack_from("<HHHHHIIIHH", buf, h + 4)
    if h + 30 + lnlen + lxlen > n:
        return "LOCAL_HEADER_MISMATCH", "the local header runs past the archive", 0
    if bytes(buf[h + 30:h + 30 + lnlen]) != e.name_bytes:
        return "LOCAL_HEADER_MISMATCH", "the local header names another file", 0
    if lmethod != e.method:
        return "LOCAL_HEADER_MISMATCH", "the local header names another compression method", 0
    lextra = bytes(buf[h + 30 + lnlen:h + 30 + lnlen + lxlen])
    start = h + 30 + lnlen + lxlen
    end = start + e.csize
    if e.flags & 8:
        end += 16 if buf[end:end + 4] == b"PK\x07\x08" else 12
    e.span_end = end
    if any(tag in (0x7075, 0x6375) for tag, _ in extra_fields(e.cextra) + extra_fields(lextra)):
        return "ALTERNATE_NAME", "an Info-ZIP Unicode Path or Comment extra field gives another name", 0
    if e.flags & 1:
        return "ENCRYPTED_ENTRY", "flag bit 0 set", 0
    if e.method not in (0, 8):
        return "UNSUPPORTED_COMPRESSION", f"method {e.method}", 0
    if start + e.csize > n:
        return "CORRUPT_ENTRY", "data runs past the archive", 0
    raw = buf[start:start + e.csize]
    if e.method == 0:
        produced = len(raw)
        if produced > MEMBER_CAP:
            return "MEMBER_TOO_LARGE", "more than 64 MiB", produced
        if total_before + produced > TOTAL_CAP:
            return "TOTAL_TOO_LARGE", "", produced
        data = bytes(raw)
    else:
        dec = zlib.decompressobj(-15)
        out = []
        produced = 0
        fed = 0
        CH = 1 << 16
        pending = b""
        while True:
            if not pending:
                if fed >= len(raw):
                    break
                pending = bytes(raw[fed:fed + CH])
                fed += len(pending)
            try:
                piece = dec.decompress(pending, CH)
            except zlib.error as ex:
                return "CORRUPT_ENTRY", f"damaged deflate data ({ex})", produced
            pending = dec.unconsumed_tail
            consumed = fed - len(pending) - len(dec.unused_data)
            if piece:
                out.append(piece)
                produced += len(piece)
                if produced > MEMBER_CAP:
                    return "MEMBER_TOO_LARGE", "inflates past 64 MiB", produced
                if total_before + produced > TOTAL_CAP:
                    return "TOTAL_TOO_LARGE", "", produced
                if produced > RATIO_FLOOR and produced > 200 * consumed:
                    return "COMPRESSION_RATIO", "more than 200 bytes out per compressed byte", produced
            if dec.eof:
                break
            if not piece and not pending and fed >= len(raw):
                break
        # drain (pieces produced with no more input)
        while not dec.eof:
            try:
                piece = dec.decompress(b"", CH)
            except zlib.error as ex:
                return "CORRUPT_ENTRY", f"damaged deflate data ({ex})", produced
            if not piece:
                break
            out.append(piece)
            produced += len(piece)
            consumed = fed - len(dec.unconsumed_tail) - len(dec.unused_data)
            if produced > MEMBER_CAP:
                return "MEMBER_TOO_LARGE", "inflates past 64 MiB", produced
            if total_before + produced > TOTAL_CAP:
                return "TOTAL_TOO_LARGE", "", produced
            if produced > RATIO_FLOOR and produced > 200 * consumed:
                return "COMPRESSION_RATIO", "more than 200 bytes out per compressed byte", produced
        if not dec.eof:
            return "CORRUPT_ENTRY", "the deflate data ends before the stream does", produced
        data = b"".join(out)
        if dec.unused_data or dec.unconsumed_tail:
            return "HEADER_SIZE_MISMATCH", "bytes hidden after the deflate stream", produced
    if len(data) != e.usize:
        return "HEADER_SIZE_MISMATCH", f"{len(data)} bytes, the central directory says {e.usize}", produced
    if (zlib.crc32(data) & 0xFFFFFFFF) != e.crc:
        return "CRC_MISMATCH", "CRC-32 differs from the central directory's", produced
    e.data = data
    return None, "", produced


# =========================================================================== names (§5 step 2)

def name_rule(e):
    b = e.name_bytes
    try:
        s = b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "BAD_NAME_ENCODING", None
    if not (e.flags & 0x800) and any(x >= 0x80 for x in b):
        return "BAD_NAME_ENCODING", None
    return path_rule(s), s


def path_rule(s):
    if s == "":
        return "EMPTY_PATH"
    if len(s.encode("utf-8")) > 1024:
        return "PATH_TOO_LONG"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        return "CONTROL_CHARACTER"
    if "\\" in s:
        return "BACKSLASH"
    if s.startswith("/"):
        return "ABSOLUTE_PATH"
    if ":" in s:
        return "DRIVE_LETTER"
    t = s[:-1] if s.endswith("/") else s
    for seg in t.split("/"):
        if seg == "..":
            return "PARENT_PATH"
        if seg == ".":
            return "DOT_SEGMENT"
        if seg == "":
            return "EMPTY_SEGMENT"
    return None


def js_lower(s):
    return s.lower()


# =========================================================================== trust file

class UsageError(Exception):
    pass


def load_trust(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as ex:
        raise UsageError(f"cannot read the trust file {path}: {ex}")
    ok, t = jparse(raw)
    if not ok:
        raise UsageError(f"the trust file is not strict JSON: {t}")

    def keyset(keys, where):
        if not isinstance(keys, list) or not keys:
            raise UsageError(f"{where}: keys must be a non-empty list")
        seen = set()
        out = []
        for k in keys:
            if not exact(k, ("key_id", "scheme", "public_key", "valid_from_height"),
                         ("valid_until_height", "revoked_at_height")):
                raise UsageError(f"{where}: a key is not {{key_id, scheme, public_key, valid_from_height, ...}}")
            if k["scheme"] not in SCHEMES:
                raise UsageError(f"{where}: unsupported scheme {k['scheme']!r}")
            if not (isinstance(k["public_key"], str) and HEXSTR.match(k["public_key"])):
                raise UsageError(f"{where}: public_key is not lower-case hex")
            pub = bytes.fromhex(k["public_key"])
            if not ccrypto.public_key_ok(k["scheme"], pub):
                raise UsageError(f"{where}: invalid public key {k['key_id']}")
            if not (isinstance(k["key_id"], str) and k["key_id"] == key_id_of(k["scheme"], pub)):
                raise UsageError(f"{where}: key_id is not keyIdOf(scheme, public_key)")
            if k["key_id"] in seen:
                raise UsageError(f"{where}: duplicate key id")
            seen.add(k["key_id"])
            for f in ("valid_from_height", "valid_until_height", "revoked_at_height"):
                if f in k and not is_uint(k[f]):
                    raise UsageError(f"{where}: {f} is not an integer >= 0")
            out.append(dict(k, pub=pub))
        return out

    if not exact(t, ("version", "log_id", "quorum", "keys"), ("witnesses", "attesters")):
        raise UsageError("the trust file is not {version, log_id, quorum, keys, witnesses?, attesters?}")
    if t["version"] != 1 or not is_int(t["version"]):
        raise UsageError("trust file version is not 1")
    if not is_str(t["log_id"], 1):
        raise UsageError("log_id is not a string")
    keys = keyset(t["keys"], "keys")
    if not (is_int(t["quorum"]) and 1 <= t["quorum"] <= len(keys)):
        raise UsageError("quorum out of range")
    trust = {"log_id": t["log_id"], "quorum": t["quorum"], "keys": keys, "witnesses": None,
             "attesters": keyset(t["attesters"], "attesters") if "attesters" in t else []}
    if "witnesses" in t:
        w = t["witnesses"]
        if not exact(w, ("quorum", "keys")):
            raise UsageError("witnesses is not {quorum, keys}")
        wk = keyset(w["keys"], "witnesses.keys")
        if not (is_int(w["quorum"]) and 1 <= w["quorum"] <= len(wk)):
            raise UsageError("witnesses.quorum out of range")
        trust["witnesses"] = {"quorum": w["quorum"], "keys": wk}
    # evidence-log.md §5.3: a key id appears in at most one of keys, witnesses.keys, attesters
    roles = [("keys", trust["keys"]), ("witnesses.keys", trust["witnesses"]["keys"] if trust["witnesses"] else []),
             ("attesters", trust["attesters"])]
    for i, (na, ka) in enumerate(roles):
        for nb, kb in roles[i + 1:]:
            both = {k["key_id"] for k in ka} & {k["key_id"] for k in kb}
            if both:
                raise UsageError(f"key {sorted(both)[0]} is in both {na} and {nb}: a key has one role")
    return trust


# =========================================================================== the one rule for signature sets (§5)

def standing(key, h):
    if "revoked_at_height" in key and h >= key["revoked_at_height"]:
        return "KEY_REVOKED"
    if h < key["valid_from_height"] or ("valid_until_height" in key and h > key["valid_until_height"]):
        return "KEY_OUTSIDE_VALIDITY"
    return None


def signature_set(sigs, height, quorum, what):
    """sigs: list of (subject, key or None, verify() -> bool). Raises Fail, or returns a detail."""
    counted = set()
    reasons = []
    items = []
    for subj, key, verify in sigs:
        if key is None:
            r = "UNKNOWN_KEY"
        elif not verify(key):
            r = "BAD_SIGNATURE"
        else:
            r = standing(key, height)
            if r is None and key["key_id"] in counted:
                r = "DUPLICATE_SIGNER"
        if r is None:
            counted.add(key["key_id"])
        else:
            items.append({"subject": subj, "reason": r})
        reasons.append(r)
    if "BAD_SIGNATURE" in reasons:
        raise Fail("BAD_SIGNATURE", f"{what}: a signature does not verify under the key it names", items=items)
    if len(counted) >= quorum:
        return f"{what}: {len(counted)} of quorum {quorum}"
    first = next((r for r in reasons if r not in (None, "DUPLICATE_SIGNER")), None)
    raise Fail(first or "BELOW_QUORUM", f"{what}: {len(counted)} of quorum {quorum} count", items=items)


# =========================================================================== shapes of §3

def is_block(b, seg_v2=False, need_height1_empty=True):
    if not isinstance(b, dict):
        return False
    for f in ("height", "chain_id", "hash", "app_hash", "result_app_hash", "last_block_hash"):
        if f not in b:
            return False
    if not (is_int(b["height"]) and 1 <= b["height"] <= MAX_SAFE):
        return False
    if not is_str(b["chain_id"], 1):
        return False
    for f in ("hash", "app_hash", "result_app_hash"):
        if not (isinstance(b[f], str) and UHEX64.match(b[f])):
            return False
    lbh = b["last_block_hash"]
    if not isinstance(lbh, str):
        return False
    if b["height"] == 1:
        if lbh != "":
            return False
    elif not UHEX64.match(lbh):
        return False
    for f in ("header", "next_header"):
        if f in b and not isinstance(b[f], dict):
            return False
    for f in ("validator_signatures", "next_validator_signatures"):
        if f in b:
            if not isinstance(b[f], list):
                return False
            for s in b[f]:
                if not exact(s, ("validator_address", "timestamp", "signature_base64")):
                    return False
                if not all(isinstance(s[k], str) for k in s):
                    return False
    if seg_v2 or "txs" in b:
        if "txs" not in b or not isinstance(b["txs"], list):
            return False if seg_v2 else ("txs" not in b)
        if not all(isinstance(t, str) and UHEX64.match(t) for t in b["txs"]):
            return False
    return True


def is_state_proof(p):
    if not exact(p, ("height", "app_hash", "block_hash", "key", "value", "proof")):
        return False
    if not is_uint(p["height"]) or not (isinstance(p["app_hash"], str) and ANYHEX64.match(p["app_hash"])):
        return False
    if not isinstance(p["block_hash"], str) or not isinstance(p["key"], str):
        return False
    pr = p["proof"]
    if not exact(pr, ("key", "bits", "audit_path")) or not isinstance(pr["key"], str):
        return False
    if not isinstance(pr["bits"], list) or not all(is_int(x) for x in pr["bits"]):
        return False
    if not isinstance(pr["audit_path"], list) or not all(isinstance(x, str) and HEX64.match(x) for x in pr["audit_path"]):
        return False
    return True


RE_REQ = re.compile(r"^wr-[0-9a-f]{24}$")
RE_VAULT = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
RE_ASSET = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,15}$")
RE_AMOUNT = re.compile(r"^[1-9][0-9]{0,30}$")
RE_DEST = re.compile(r"^[\x21-\x7e]{1,128}$")
RE_ATT_TYPE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
RE_CLAIM = re.compile(r"^[\x20-\x7e]{1,256}$")

REQ_FIELDS = ("request_id", "vault_id", "asset", "amount", "destination", "memo", "initiator", "created_at",
              "created_tx", "approvals", "status", "executed_at", "executed_tx", "failure")
REQ_OPT = ("attestations", "executable_at", "cancelled")


def is_request(r):
    if not exact(r, REQ_FIELDS, REQ_OPT):
        return False
    ok = (isinstance(r["request_id"], str) and RE_REQ.match(r["request_id"])
          and isinstance(r["vault_id"], str) and RE_VAULT.match(r["vault_id"])
          and isinstance(r["asset"], str) and RE_ASSET.match(r["asset"])
          and isinstance(r["amount"], str) and RE_AMOUNT.match(r["amount"])
          and isinstance(r["destination"], str) and RE_DEST.match(r["destination"])
          and is_str(r["memo"], 0, 256)
          and isinstance(r["initiator"], str) and HEX40.match(r["initiator"])
          and is_uint(r["created_at"])
          and isinstance(r["created_tx"], str) and UHEX64.match(r["created_tx"])
          and r["status"] in ("pending", "approved", "executed", "failed", "cancelled")
          and (r["executed_at"] is None or is_uint(r["executed_at"]))
          and (r["executed_tx"] is None or (isinstance(r["executed_tx"], str) and UHEX64.match(r["executed_tx"])))
          and (r["failure"] is None or isinstance(r["failure"], str)))
    if not ok:
        return False
    if not isinstance(r["approvals"], list):
        return False
    for a in r["approvals"]:
        if not (exact(a, ("key_id", "height", "tx_hash")) and isinstance(a["key_id"], str) and HEX40.match(a["key_id"])
                and is_uint(a["height"]) and isinstance(a["tx_hash"], str) and UHEX64.match(a["tx_hash"])):
            return False
    if "attestations" in r:
        if not isinstance(r["attestations"], list):
            return False
        for a in r["attestations"]:
            if not (exact(a, ("key_id", "attestation_type", "claim_ref", "height", "tx_hash"))
                    and isinstance(a["key_id"], str) and HEX40.match(a["key_id"])
                    and isinstance(a["attestation_type"], str) and RE_ATT_TYPE.match(a["attestation_type"])
                    and isinstance(a["claim_ref"], str) and RE_CLAIM.match(a["claim_ref"])
                    and is_uint(a["height"]) and isinstance(a["tx_hash"], str) and UHEX64.match(a["tx_hash"])):
                return False
    if "executable_at" in r and not is_uint(r["executable_at"]):
        return False
    if "cancelled" in r:
        c = r["cancelled"]
        if not (exact(c, ("by", "reason", "height")) and isinstance(c["by"], str) and isinstance(c["reason"], str)
                and is_uint(c["height"])):
            return False
    return True


ENV_FIELDS = ("version", "chain_id", "type", "body", "signer", "nonce", "expires_at", "signature")
RE_CHAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def is_envelope(e):
    return (exact(e, ENV_FIELDS) and e["version"] == 1 and is_int(e["version"])
            and isinstance(e["chain_id"], str) and RE_CHAIN.match(e["chain_id"])
            and isinstance(e["type"], str) and isinstance(e["body"], dict)
            and isinstance(e["signer"], str) and HEX40.match(e["signer"])
            and is_uint(e["nonce"]) and e["nonce"] >= 1 and is_uint(e["expires_at"]) and e["expires_at"] >= 1
            and isinstance(e["signature"], str) and re.match(r"^[0-9a-f]{128}$", e["signature"]))


def is_signed_tx(t):
    if not isinstance(t, dict):
        return False
    for f in ("tx_hash", "height", "envelope", "signer"):
        if f not in t:
            return False
    s = t["signer"]
    if not isinstance(s, dict) or not all(f in s for f in ("key_id", "scheme", "public_key")):
        return False
    if not (isinstance(s["key_id"], str) and isinstance(s["scheme"], str) and isinstance(s["public_key"], str)
            and HEXSTR.match(s["public_key"])):
        return False
    return (isinstance(t["tx_hash"], str) and UHEX64.match(t["tx_hash"]) and is_uint(t["height"])
            and is_envelope(t["envelope"]))


def is_policy(p):
    if not exact(p, ("approvers", "threshold"),
                 ("weights", "timelock_blocks", "tx_limits", "velocity", "whitelist", "attestation")):
        return False
    ap = p["approvers"]
    if not (isinstance(ap, list) and 1 <= len(ap) <= 32 and all(isinstance(a, str) and HEX40.match(a) for a in ap)
            and len(set(ap)) == len(ap)):
        return False
    w = p.get("weights", {})
    if not isinstance(w, dict):
        return False
    for k, v in w.items():
        if k not in ap or not (is_int(v) and 1 <= v <= 1000):
            return False
    total = sum(w.get(a, 1) for a in ap)
    if not (is_int(p["threshold"]) and 1 <= p["threshold"] <= total):
        return False
    if "timelock_blocks" in p and not (is_int(p["timelock_blocks"]) and 0 <= p["timelock_blocks"] <= 1000000):
        return False
    if "tx_limits" in p:
        tl = p["tx_limits"]
        if not isinstance(tl, dict) or not all(RE_ASSET.match(k) and isinstance(v, str) and RE_AMOUNT.match(v)
                                               for k, v in tl.items()):
            return False
    if "velocity" in p:
        vl = p["velocity"]
        if not isinstance(vl, dict):
            return False
        for k, v in vl.items():
            if not RE_ASSET.match(k) or not exact(v, ("window_seconds",), ("max_amount", "max_count")):
                return False
            if not (is_int(v["window_seconds"]) and 1 <= v["window_seconds"] <= 31622400):
                return False
            if "max_amount" not in v and "max_count" not in v:
                return False
            if "max_amount" in v and not (isinstance(v["max_amount"], str) and RE_AMOUNT.match(v["max_amount"])):
                return False
            if "max_count" in v and not (is_int(v["max_count"]) and 1 <= v["max_count"] <= 100000):
                return False
    if "whitelist" in p:
        wl = p["whitelist"]
        if not isinstance(wl, list) or not all(isinstance(d, str) and RE_DEST.match(d) for d in wl):
            return False
    if "attestation" in p:
        a = p["attestation"]
        if not exact(a, ("type", "attesters", "threshold")):
            return False
        if not (isinstance(a["type"], str) and RE_ATT_TYPE.match(a["type"])):
            return False
        at = a["attesters"]
        if not (isinstance(at, list) and 1 <= len(at) <= 32 and all(isinstance(x, str) and HEX40.match(x) for x in at)
                and len(set(at)) == len(at)):
            return False
        if not (is_int(a["threshold"]) and 1 <= a["threshold"] <= len(at)):
            return False
    return True


def is_sig_list(lst, lo):
    if not isinstance(lst, list) or not (lo <= len(lst) <= 64):
        return False
    for s in lst:
        if not exact(s, ("key_id", "scheme", "signature")):
            return False
        if not (isinstance(s["key_id"], str) and HEX40.match(s["key_id"]) and isinstance(s["scheme"], str)
                and isinstance(s["signature"], str) and re.match(r"^[0-9a-f]{128}$", s["signature"])):
            return False
    return True


def is_signed_checkpoint(sc):
    if not exact(sc, ("checkpoint", "signatures"), ("cosignatures",)):
        return False
    c = sc["checkpoint"]
    if not exact(c, ("log_id", "mmr_size", "peaks", "height", "time")):
        return False
    if not (is_str(c["log_id"], 1) and is_uint(c["height"]) and isinstance(c["time"], str)):
        return False
    if not (is_uint(c["mmr_size"]) and cmmr.valid_size(c["mmr_size"])):
        return False
    if not (isinstance(c["peaks"], list) and all(isinstance(p, str) and HEX64.match(p) for p in c["peaks"])
            and len(c["peaks"]) == len(cmmr.peaks(c["mmr_size"]))):
        return False
    if not is_sig_list(sc["signatures"], 1):
        return False
    if "cosignatures" in sc and not is_sig_list(sc["cosignatures"], 0):
        return False
    return True


def is_path_list(p):
    return isinstance(p, list) and all(isinstance(x, str) and HEX64.match(x) for x in p)


# =========================================================================== the verifier

class Report:
    def __init__(self, ids):
        self.ids = list(ids)
        self.res = {}

    def set(self, cid, verdict, reason, detail="", items=None):
        if cid not in self.ids:
            self.ids.append(cid)
        d = {"id": cid, "verdict": verdict, "reason": reason, "detail": detail}
        if items:
            d["items"] = items[:100]
        self.res[cid] = d

    def ok(self, cid):
        return self.res.get(cid, {}).get("verdict") == "pass"

    def run(self, cid, fn, *a):
        try:
            detail = fn(*a)
            self.set(cid, "pass", "OK", detail or "")
        except Fail as f:
            self.set(cid, f.verdict, f.reason, f.detail, f.items)

    def fill(self, why):
        for cid in self.ids:
            if cid not in self.res:
                self.set(cid, "unknown", "NOT_CHECKED", why)

    def out(self):
        checks = [self.res[c] for c in self.ids]
        vs = [c["verdict"] for c in checks]
        v = "fail" if "fail" in vs else "unknown" if "unknown" in vs else "pass"
        return v, checks


def need(cond, why):
    if not cond:
        raise Unknown("NOT_CHECKED", why)


class Bundle:
    def __init__(self, buf, trust):
        self.buf = buf
        self.trust = trust

    # ------------------------------------------------------------------ main
    def verify(self):
        rep = Report(COMMON)
        self.rep = rep
        reason, entries, items = read_zip(self.buf)
        if reason:
            rep.set("zip.container", "fail", reason, items[0][2] if items else "",
                    [{"subject": s, "reason": r, "detail": d} for s, r, d in items])
            rep.ids.append("content")
            rep.fill("the archive was refused as a whole")
            return rep.out()
        if items:
            rep.set("zip.container", "fail", items[0][1], f"{items[0][0]}: {items[0][2]}" + (
                f" (and {len(items) - 1} more)" if len(items) > 1 else ""),
                [{"subject": s, "reason": r, "detail": d} for s, r, d in items])
        else:
            rep.set("zip.container", "pass", "OK", f"{len(entries)} entries read")
        # step 2
        pitems = []
        for e in entries:
            r, s = name_rule(e)
            e.name = s
            if r:
                pitems.append({"subject": s if s is not None else e.name_bytes.hex(), "reason": r})
        if pitems:
            rep.set("zip.paths", "fail", pitems[0]["reason"], pitems[0]["subject"], pitems)
        else:
            rep.set("zip.paths", "pass", "OK")
        # step 3
        seen = {}
        ditems = []
        for e in entries:
            if e.name is None:
                continue
            k = js_lower(unicodedata.normalize("NFC", e.name))
            if k in seen:
                ditems.append({"subject": e.name, "reason": "DUPLICATE_ENTRY"})
            else:
                seen[k] = e
        if ditems:
            rep.set("zip.duplicates", "fail", "DUPLICATE_ENTRY", ditems[0]["subject"], ditems)
        else:
            rep.set("zip.duplicates", "pass", "OK")
        # step 4
        titems = []
        for e in entries:
            a = e.ext_attr
            host = e.made_by >> 8
            ftype = (a >> 16) & 0o170000
            subj = e.name if e.name is not None else e.name_bytes.hex()
            e.is_dir = False
            if a & 0x400:
                titems.append({"subject": subj, "reason": "SYMLINK"})
                continue
            if host == 3:
                if ftype == 0o120000:
                    titems.append({"subject": subj, "reason": "SYMLINK"})
                    continue
                if ftype not in (0, 0o100000, 0o040000):
                    titems.append({"subject": subj, "reason": "SPECIAL_FILE"})
                    continue
            is_dir = (host == 3 and ftype == 0o040000) or (e.name or "").endswith("/") or bool(a & 0x10)
            e.is_dir = is_dir
            if is_dir and ((e.data is not None and len(e.data) > 0) or e.usize != 0):
                titems.append({"subject": subj, "reason": "SPECIAL_FILE"})
        if titems:
            rep.set("zip.types", "fail", titems[0]["reason"], titems[0]["subject"], titems)
        else:
            rep.set("zip.types", "pass", "OK")
        if not all(rep.ok(c) for c in COMMON[:4]):
            rep.ids.append("content")
            rep.fill("verification stopped: the archive is not interpreted (steps 1-4)")
            return rep.out()
        self.files = {e.name: e.data for e in entries if not e.is_dir}
        self.order = [e.name for e in entries if not e.is_dir]
        # step 5
        try:
            self.check_manifest()
            m = self.manifest
            rep.set("manifest", "pass", "OK", f"{m['format']} {m['kind']}; sha256 {self.mdigest}")
        except Fail as f:
            rep.set("manifest", f.verdict, f.reason, f.detail)
            rep.ids.append("content")
            rep.fill("verification stopped: the manifest could not be read")
            return rep.out()
        m = self.manifest
        self.fmt = m["format"]
        self.v1 = self.fmt == "charter.bundle/v1"
        self.kind = m["kind"]
        self.subject = m["subject"]
        if self.kind == "custody-case":
            rep.ids += CASE_CHECKS
        elif self.kind == "history-segment":
            rep.ids += SEG_CHECKS
        else:
            rep.ids.append("content")
        self.members = {mm["path"]: mm for mm in m["members"]}
        rep.run("members.present", self.check_present)
        rep.run("members.listed", self.check_listed)
        self.good = {}
        rep.run("members.digests", self.check_digests)
        rep.run("members.expected", self.check_expected)
        self.verified_keys = []
        rep.run("attestations.signatures", self.check_attestations)
        rep.run("attestations.trust", self.check_att_trust)
        if self.kind == "custody-case":
            self.run_case()
        elif self.kind == "history-segment":
            self.run_segment()
        else:
            rep.set("content", "unknown", "KIND_UNKNOWN", f"no rules for kind {self.kind}")
        rep.fill("not reached")
        return rep.out()

    # ------------------------------------------------------------------ step 5
    def check_manifest(self):
        if "manifest.json" not in self.files:
            raise Fail("MANIFEST_MISSING", "no manifest.json")
        raw = self.files["manifest.json"]
        ok, m = jparse(raw)
        if not ok:
            raise Fail("MANIFEST_INVALID", m)
        if not isinstance(m, dict):
            raise Fail("MANIFEST_INVALID", "not an object")
        if "format" in m and m["format"] not in ("charter.bundle/v2", "charter.bundle/v1"):
            raise Fail("UNSUPPORTED_FORMAT", f"format {m['format']!r}")
        why = manifest_problem(m)
        if why:
            raise Fail("MANIFEST_INVALID", why)
        if jcs(m) != raw:
            raise Fail("MANIFEST_NOT_CANONICAL", "the file is not the JCS form of its value")
        self.manifest = m
        self.mdigest = sha256hex(raw)

    # ------------------------------------------------------------------ steps 6-9
    def check_present(self):
        miss = [{"subject": p, "reason": "MEMBER_MISSING"} for p in self.members if p not in self.files]
        if miss:
            raise Fail("MEMBER_MISSING", miss[0]["subject"], items=miss)
        return f"all {len(self.members)} listed members are present"

    def check_listed(self):
        extra = [{"subject": n, "reason": "MEMBER_NOT_LISTED"} for n in self.order
                 if n != "manifest.json" and not n.startswith("attestations/") and n not in self.members]
        if extra:
            raise Fail("MEMBER_NOT_LISTED", extra[0]["subject"], items=extra)
        return ""

    def check_digests(self):
        bad = []
        for p, mm in self.members.items():
            if p not in self.files:
                continue
            d = self.files[p]
            if len(d) != mm["size"]:
                bad.append({"subject": p, "reason": "SIZE_MISMATCH"})
            elif sha256hex(d) != mm["sha256"]:
                bad.append({"subject": p, "reason": "DIGEST_MISMATCH"})
            else:
                self.good[p] = d
        if bad:
            raise Fail(bad[0]["reason"], bad[0]["subject"], items=bad)
        return f"{len(self.good)} members match"

    def seg_range(self):
        s = self.subject
        m = re.match(r"^([1-9][0-9]*):([1-9][0-9]*)$", s["id"])
        if not m:
            return None
        a, b = int(m.group(1)), int(m.group(2))
        if not (1 <= a <= b and b - a + 1 <= 10000):
            return None
        return a, b

    def check_expected(self):
        items = []
        if self.kind == "custody-case":
            table = {"request.json": "charter.withdrawal-request/v1", "proofs/request-state.json": "charter.state-proof/v1",
                     "block.json": "charter.block/v1", "policy.json": "charter.policy/v1",
                     "proofs/policy-state.json": "charter.state-proof/v1", "receipt.json": "charter.receipt/v1",
                     "proofs/receipt-inclusion.json": "charter.mmr-inclusion-proof/v1",
                     "checkpoint.json": "charter.signed-checkpoint/v1"}
            for p, mm in self.members.items():
                want = table.get(p)
                if want is None and re.match(r"^transactions/[0-9A-F]{64}\.json$", p):
                    want = "charter.signed-tx/v1"
                if want is None:
                    items.append({"subject": p, "reason": "UNEXPECTED_MEMBER"})
                elif mm["artifact_type"] != want:
                    items.append({"subject": p, "reason": "WRONG_ARTIFACT_TYPE"})
            required = ["request.json", "block.json"] if self.v1 else [
                "request.json", "proofs/request-state.json", "block.json", "policy.json", "proofs/policy-state.json"]
            for p in required:
                if p not in self.members:
                    items.append({"subject": p, "reason": "CASE_INCOMPLETE"})
            group = ["receipt.json", "proofs/receipt-inclusion.json", "checkpoint.json"]
            have = [p for p in group if p in self.members]
            if have and len(have) != len(group):
                items.append({"subject": [p for p in group if p not in self.members][0], "reason": "CASE_INCOMPLETE"})
            # which transactions/ members a case needs is case.transactions' (step 9)
        elif self.kind == "history-segment":
            rng = self.seg_range()
            if rng is not None and rng[1] != self.subject["height"]:
                rng = None
            table = {"receipts.json": "charter.receipts/v1", "proofs/receipts-inclusion.json": "charter.mmr-inclusion-proofs/v1",
                     "checkpoints/to.json": "charter.signed-checkpoint/v1", "checkpoints/from.json": "charter.signed-checkpoint/v1",
                     "proofs/consistency.json": "charter.mmr-consistency-proof/v1"}
            for p, mm in self.members.items():
                want = table.get(p)
                bm = re.match(r"^blocks/([0-9]{12})\.json$", p)
                if want is None and bm:
                    h = int(bm.group(1))
                    if rng is None or rng[0] <= h <= rng[1]:
                        want = "charter.block/v1"
                if want is None:
                    items.append({"subject": p, "reason": "UNEXPECTED_MEMBER"})
                elif mm["artifact_type"] != want:
                    items.append({"subject": p, "reason": "WRONG_ARTIFACT_TYPE"})
            if rng:
                for h in range(rng[0], rng[1] + 1):
                    p = "blocks/%012d.json" % h
                    if p not in self.members:
                        items.append({"subject": p, "reason": "CASE_INCOMPLETE"})
            ga = ["receipts.json", "proofs/receipts-inclusion.json", "checkpoints/to.json"]
            gb = ["checkpoints/from.json", "proofs/consistency.json"]
            if not self.v1:
                have = [p for p in ga if p in self.members]
                if have and len(have) != len(ga):
                    items.append({"subject": [p for p in ga if p not in self.members][0], "reason": "CASE_INCOMPLETE"})
            # v1: group A is not a group; group B still is (GAPS.md G6)
            have = [p for p in gb if p in self.members]
            if have and len(have) != len(gb):
                items.append({"subject": [p for p in gb if p not in self.members][0], "reason": "CASE_INCOMPLETE"})
            if have and "checkpoints/to.json" not in self.members:
                items.append({"subject": "checkpoints/to.json", "reason": "CASE_INCOMPLETE"})
        else:
            raise Unknown("KIND_UNKNOWN", f"no rules for kind {self.kind}")
        if items:
            raise Fail(items[0]["reason"], items[0]["subject"], items=items)
        return ""

    # ------------------------------------------------------------------ steps 10-11
    def check_attestations(self):
        names = [n for n in self.order if n.startswith("attestations/")]
        if not names:
            raise Unknown("NO_ATTESTATION", "no entry under attestations/")
        items = []
        for n in names:
            r = self.one_attestation(n)
            if r:
                items.append({"subject": n, "reason": r[0], "detail": r[1]})
        if items:
            raise Fail(items[0]["reason"], f"{items[0]['subject']}: {items[0]['detail']}", items=items)
        if self.manifest["created_by"]["key_id"] not in [k for k, _ in self.verified_keys]:
            raise Fail("SIGNER_MISMATCH", "created_by.key_id signed no attestation")
        return f"{len(names)} signature(s) verify"

    def one_attestation(self, name):
        ok, env = jparse(self.files[name])
        if not ok:
            return "ATTESTATION_INVALID", env
        if not (exact(env, ("payloadType", "payload", "signatures")) and isinstance(env["payloadType"], str)
                and isinstance(env["payload"], str) and isinstance(env["signatures"], list)
                and all(exact(s, ("keyid", "sig")) and isinstance(s["keyid"], str) and isinstance(s["sig"], str)
                        for s in env["signatures"])):
            return "ATTESTATION_INVALID", "not a DSSE envelope"
        if env["payloadType"] != "application/vnd.in-toto+json":
            return "WRONG_PAYLOAD_TYPE", env["payloadType"]
        if len(env["signatures"]) != 1:
            return "ATTESTATION_INVALID", "not exactly one signature"
        sig = env["signatures"][0]
        keyid = sig["keyid"]
        if name != f"attestations/{keyid}.dsse.json":
            return "ATTESTATION_NAME_MISMATCH", "not named after its signature's key id"
        payload = strict_b64(env["payload"])
        if payload is None:
            return "ATTESTATION_INVALID", "payload is not strict standard base64"
        ok, st = jparse(payload)
        if not ok:
            return "ATTESTATION_INVALID", st
        if not (exact(st, ("_type", "subject", "predicateType", "predicate"))
                and st["_type"] == "https://in-toto.io/Statement/v1"
                and st["predicateType"] == "urn:charter:predicate:evidence-bundle:v1"
                and isinstance(st["subject"], list) and len(st["subject"]) == 1
                and exact(st["subject"][0], ("name", "digest")) and st["subject"][0]["name"] == "manifest.json"
                and exact(st["subject"][0]["digest"], ("sha256",)) and isinstance(st["subject"][0]["digest"]["sha256"], str)
                and HEX64.match(st["subject"][0]["digest"]["sha256"])
                and exact(st["predicate"], ("kind", "subject", "signer"))
                and exact(st["predicate"]["signer"], ("key_id", "scheme", "public_key"))
                and all(isinstance(v, str) for v in st["predicate"]["signer"].values())):
            return "ATTESTATION_INVALID", "not an in-toto Statement v1 of this format"
        if st["subject"][0]["digest"]["sha256"] != self.mdigest:
            return "SUBJECT_MISMATCH", "the statement's subject is another manifest"
        pred = st["predicate"]
        if pred["kind"] != self.kind or jcs(pred["subject"]) != jcs(self.subject) or pred["signer"]["key_id"] != keyid:
            return "PREDICATE_MISMATCH", "the predicate's kind, subject or signer is not the manifest's / the signature's"
        ps = pred["signer"]
        tk = None
        if self.trust:
            tk = next((k for k in self.trust["keys"] + self.trust["attesters"] if k["key_id"] == keyid), None)
        if tk is not None:
            scheme, pubhex = tk["scheme"], tk["public_key"]
        else:
            scheme, pubhex = ps["scheme"], ps["public_key"]
        if scheme not in SCHEMES:
            return "UNSUPPORTED_SCHEME", f"scheme {scheme!r}"
        if not HEXSTR.match(pubhex) or not HEXSTR.match(ps["public_key"]):
            return "KEY_ID_MISMATCH", "public key is not hex"
        pub = bytes.fromhex(pubhex)
        if key_id_of(scheme, pub) != keyid or key_id_of(ps["scheme"], bytes.fromhex(ps["public_key"])) != keyid:  # noqa
            return "KEY_ID_MISMATCH", "the key id is not keyIdOf(scheme, public key)"
        sigb = strict_b64(sig["sig"])
        pt = env["payloadType"].encode("utf-8")
        pae = b"DSSEv1 %d %s %d %s" % (len(pt), pt, len(payload), payload)
        if sigb is None or not ccrypto.verify_attestation(scheme, pub, pae, sigb, self.fmt):
            return "BAD_SIGNATURE", "the signature does not verify over PAE"
        self.verified_keys.append((keyid, scheme))
        return None

    def check_att_trust(self):
        # step 11, in this order: no attestation entry; no trust file; no verified signature by
        # created_by.key_id; then that key's standing at the subject height (keys, then attesters)
        need(any(n.startswith("attestations/") for n in self.order), "no attestation, so no key to check")
        if self.trust is None:
            raise Unknown("NO_TRUST_FILE", "no trust file given")
        cb = self.manifest["created_by"]["key_id"]
        mine = [(kid, scheme) for kid, scheme in self.verified_keys if kid == cb]
        need(mine, f"the manifest's creating key {cb} has no verified attestation")
        scheme = mine[0][1]
        k = next((k for k in self.trust["keys"] + self.trust["attesters"]
                  if k["key_id"] == cb and k["scheme"] == scheme), None)
        if k is None:
            raise Fail("UNKNOWN_KEY", f"the creating key {cb} is not in the trust file")
        r = standing(k, self.subject["height"])
        if r:
            raise Fail(r, f"the creating key {cb} is not in good standing at height {self.subject['height']}")
        return f"the creating key {cb} is trusted at height {self.subject['height']}"

    # ------------------------------------------------------------------ helpers for content
    def member_json(self, path, shape, required=True, absent_unknown=None):
        """The parsed member, or raises: absent -> CASE_INCOMPLETE (required) / Unknown; invalid -> MEMBER_INVALID."""
        if path not in self.good:
            if required:
                raise Fail("CASE_INCOMPLETE", f"{path} is missing or unusable")
            raise Unknown(absent_unknown[0], absent_unknown[1])
        ok, v = jparse(self.good[path])
        if not ok:
            raise Fail("MEMBER_INVALID", f"{path}: {v}")
        if shape is not None and not shape(v):
            raise Fail("MEMBER_INVALID", f"{path} is not of its §3 shape")
        return v

    def signed_checkpoint(self, path):
        return self.member_json(path, is_signed_checkpoint, required=False,
                                absent_unknown=("NO_CHECKPOINT", f"no {path}"))

    def ckpt_sigs(self, sc, keys, field, domain):
        digest = D(domain, jcs(sc["checkpoint"]))
        out = []
        for s in sc.get(field, []):
            k = next((k for k in keys if k["key_id"] == s["key_id"] and k["scheme"] == s["scheme"]), None)
            sb = bytes.fromhex(s["signature"])
            out.append((s["key_id"], k, lambda key, sb=sb: ccrypto.verify_digest_sig(key["scheme"], key["pub"], digest, sb)))
        return out

    def check_ckpt_quorum(self, path):
        if path not in self.good:
            raise Unknown("NO_CHECKPOINT", f"no {path}")
        sc = self.signed_checkpoint(path)
        if self.trust is None:
            raise Unknown("NO_TRUST_FILE", "no trust file given")
        if sc["checkpoint"]["log_id"] != self.trust["log_id"]:
            raise Fail("LOG_ID_MISMATCH", "the checkpoint's log_id is not the trust file's")
        return signature_set(self.ckpt_sigs(sc, self.trust["keys"], "signatures", "charter/checkpoint/v1"),
                             sc["checkpoint"]["height"], self.trust["quorum"], "checkpoint signatures")

    def check_ckpt_witnesses(self, path):
        if path not in self.good:
            raise Unknown("NO_CHECKPOINT", f"no {path}")
        sc = self.signed_checkpoint(path)
        if self.trust is None:
            raise Unknown("NO_TRUST_FILE", "no trust file given")
        if self.trust["witnesses"] is None:
            return "the trust file requires no witnesses"
        if not sc.get("cosignatures"):
            raise Unknown("NO_COSIGNATURE", "the checkpoint carries no cosignature")
        if sc["checkpoint"]["log_id"] != self.trust["log_id"]:
            raise Fail("LOG_ID_MISMATCH", "the checkpoint's log_id is not the trust file's")
        w = self.trust["witnesses"]
        return signature_set(self.ckpt_sigs(sc, w["keys"], "cosignatures", "charter/cosignature/v1"),
                             sc["checkpoint"]["height"], w["quorum"], "witness cosignatures")

    def header_sigs(self, header, sigs, height):
        digest = hashlib.sha256(jcs(header)).digest()
        out = []
        for s in sigs:
            k = next((k for k in self.trust["keys"] if k["scheme"] == "ed25519"
                      and hashlib.sha256(k["pub"]).digest()[:20].hex().upper() == s["validator_address"]), None)
            sb = strict_b64(s["signature_base64"])

            def ver(key, sb=sb):
                return sb is not None and len(sb) == 64 and ccrypto.ed25519_verify(key["pub"], digest, sb)
            out.append((s["validator_address"], k, ver))
        return signature_set(out, height, self.trust["quorum"], f"header {height}")

    # ------------------------------------------------------------------ custody-case
    def run_case(self):
        rep = self.rep
        S = self.subject
        st = self.st = {}
        # case.block first (others rest on it)
        rep.run("case.block", self.c_block)
        rep.run("case.block.signature", self.c_block_sig)
        rep.run("case.request", self.c_request)
        rep.run("case.transactions", self.c_transactions)
        rep.run("case.policy", self.c_policy)
        rep.run("case.request.state", self.c_request_state)
        rep.run("case.approvals", self.c_approvals)
        rep.run("proofs.receipt", self.c_receipt)
        rep.run("proofs.inclusion", self.c_inclusion)
        rep.run("checkpoint.quorum", self.check_ckpt_quorum, "checkpoint.json")
        rep.run("checkpoint.witnesses", self.check_ckpt_witnesses, "checkpoint.json")

    def request_record(self):
        """request.json parsed and of its shape, or None."""
        if "req" not in self.st:
            self.st["req"] = None
            if self.subject["type"] == "withdrawal" and "request.json" in self.good:
                ok, r = jparse(self.good["request.json"])
                if ok and is_request(r):
                    self.st["req"] = r
        return self.st["req"]

    def block_usable(self):
        if "block.json" not in self.good:
            return None
        ok, b = jparse(self.good["block.json"])
        if ok and is_block(b):
            self.st["block"] = b
            return b
        return None

    def c_block(self):
        S = self.subject
        b = self.member_json("block.json", is_block)
        if b["height"] != S["height"] or b["chain_id"] != S["chain_id"]:
            raise Fail("SUBJECT_MISMATCH", "block.json is another height or chain than the subject")
        self.st["block"] = b
        return f"block {b['height']} ({b['hash']}) of {b['chain_id']}"

    def c_block_sig(self):
        need(self.rep.ok("case.block"), "case.block did not pass")
        b = self.st["block"]
        if "header" not in b or not b.get("validator_signatures"):
            raise Unknown("NO_BLOCK_SIGNATURE", "block.json carries no signed header")
        if "next_header" not in b:
            raise Unknown("NO_NEXT_HEADER", "no next header: result_app_hash is unsigned")
        if self.trust is None:
            raise Unknown("NO_TRUST_FILE", "no trust file given")
        h = b["height"]
        hd = b["header"]
        self.header_matches(hd, b["hash"], h, b["chain_id"], b["app_hash"], b["last_block_hash"])
        self.header_sigs(hd, b["validator_signatures"], h)
        nh = b["next_header"]
        self.header_matches(nh, None, h + 1, b["chain_id"], b["result_app_hash"], b["hash"])
        self.header_sigs(nh, b.get("next_validator_signatures", []), h + 1)
        self.block_repeats_header(b, hd)
        return f"blocks {h} and {h + 1} are signed"

    def block_repeats_header(self, b, hd):
        """§3.1: a block's time, data_hash, proposer_address, when present, are its signed header's."""
        for f in ("time", "data_hash", "proposer_address"):
            if f in b and (f not in hd or jcs(hd[f]) != jcs(b[f])):
                raise Fail("HEADER_MISMATCH", f"block {b['height']}: {f} is not the signed header's")

    def header_matches(self, hd, hash_, h, chain, app, last):
        if hash_ is not None and hashlib.sha256(jcs(hd)).hexdigest().upper() != hash_:
            raise Fail("HEADER_MISMATCH", f"header {h} does not hash to the block's hash")
        if hd.get("height") != str(h) or hd.get("chain_id") != chain or hd.get("app_hash") != app:
            raise Fail("HEADER_MISMATCH", f"header {h} states another height, chain or app hash")
        lbi = hd.get("last_block_id")
        if not isinstance(lbi, dict) or lbi.get("hash") != last:
            raise Fail("CHAIN_BROKEN", f"header {h} does not link to the previous block")

    def tx_member(self, h):
        """Validate transactions/<h>.json as case.transactions does: returns tx or raises Fail."""
        cache = self.st.setdefault("txs", {})
        if h in cache:
            if isinstance(cache[h], Fail):
                raise cache[h]
            return cache[h]
        try:
            t = self._tx_member(h)
            cache[h] = t
            return t
        except Fail as f:
            cache[h] = f
            raise

    def tx_ok(self, h):
        try:
            return self.tx_member(h)
        except Fail:
            return None

    def _tx_member(self, h):
        p = f"transactions/{h}.json"
        t = self.member_json(p, is_signed_tx)
        if t["tx_hash"] != h:
            raise Fail("TX_HASH_MISMATCH", f"{p}: tx_hash is not its path's")
        s = t["signer"]
        if s["scheme"] not in SCHEMES:
            raise Fail("UNSUPPORTED_SCHEME", f"{p}: scheme {s['scheme']!r}")
        pub = bytes.fromhex(s["public_key"])
        if s["key_id"] != key_id_of(s["scheme"], pub) or s["key_id"] != t["envelope"]["signer"]:
            raise Fail("KEY_ID_MISMATCH", f"{p}: signer.key_id is not keyIdOf(scheme, public_key) / envelope.signer")
        if not ccrypto.public_key_ok(s["scheme"], pub) or not ccrypto.verify_envelope(s["scheme"], pub, t["envelope"]):
            raise Fail("BAD_SIGNATURE", f"{p}: the envelope signature does not verify")
        if hashlib.sha256(jcs(t["envelope"])).hexdigest().upper() != h:
            raise Fail("TX_HASH_MISMATCH", f"{p}: the envelope hashes to another hash")
        return t

    def c_request(self):
        S = self.subject
        if S["type"] != "withdrawal":
            raise Fail("SUBJECT_MISMATCH", "subject.type is not withdrawal")
        r = self.member_json("request.json", is_request)
        if r["request_id"] != S["id"] or r["status"] != "executed" or r["executed_at"] != S["height"]:
            raise Fail("SUBJECT_MISMATCH", "request.json is another request, not executed, or executed at another height")
        t = self.tx_member(r["created_tx"])
        env = t["envelope"]
        body = env["body"]
        if env["type"] != "withdrawal.create":
            raise Fail("REQUEST_MISMATCH", "created_tx is not a withdrawal.create")
        for f in ("vault_id", "asset", "amount", "destination", "memo"):
            if body.get(f) != r[f] or f not in body:
                raise Fail("REQUEST_MISMATCH", f"the creation's {f} is not the record's")
        if env["signer"] != r["initiator"]:
            raise Fail("REQUEST_MISMATCH", "the creation is signed by another key than initiator")
        if t["height"] != r["created_at"]:
            raise Fail("REQUEST_MISMATCH", "the creation's height is not created_at")
        if r["request_id"] != "wr-" + ccrypto.signing_digest(env).hex()[:24]:
            raise Fail("REQUEST_MISMATCH", "request_id is not derived from the creation's signing digest")
        return f"{r['request_id']}: as signed"

    def c_transactions(self):
        r = self.request_record()
        need(r is not None, "request.json is not a usable request record")
        items = []
        named = tx_hashes(r)
        for h in named:
            try:
                self.tx_member(h)
            except Fail as f:
                items.append({"subject": f"transactions/{h}.json", "reason": f.reason, "detail": f.detail})
        for p in self.members:
            # a member of the kind's transactions/<TX HASH>.json form (other paths are members.expected's: GAPS.md G3)
            if re.match(r"^transactions/[0-9A-F]{64}\.json$", p) and p not in {f"transactions/{h}.json" for h in named}:
                items.append({"subject": p, "reason": "UNEXPECTED_MEMBER",
                              "detail": f"{p}: request.json names no such transaction"})
        if items:
            raise Fail(items[0]["reason"], items[0]["detail"], items=items)
        return f"{len(tx_hashes(r))} signed transactions verify"

    def state_proof(self, path, key, unknown_v1):
        """Checks shared by case.request.state and case.policy; returns the proof."""
        S = self.subject
        if path not in self.good and self.v1 and path not in self.members:
            raise Unknown(*unknown_v1)
        p = self.member_json(path, is_state_proof)
        if p["key"] != key or p["height"] != S["height"]:
            raise Fail("SUBJECT_MISMATCH", f"{path} is for another key or height")
        need(self.rep.ok("case.block"), "block.json is not usable (case.block did not pass)")
        b = self.st["block"]
        if p["app_hash"].upper() != b["result_app_hash"]:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", f"{path} reaches another app hash than result_app_hash")
        if p["block_hash"].upper() != b["hash"]:
            raise Fail("SUBJECT_MISMATCH", f"{path} names block {p['block_hash']}, block.json is {b['hash']}")
        if p["proof"]["key"] != key or not cmmr.verify_entry_proof(bytes.fromhex(p["app_hash"]), key, p["value"], p["proof"]):
            raise Fail("BAD_STATE_PROOF", f"{path}: the entry proof does not lead to the app hash")
        return p

    def c_request_state(self):
        path = "proofs/request-state.json"
        if self.v1 and path not in self.members:
            raise Unknown("NO_STATE_PROOF", "a v1 case carries no state proof of the request")
        r = self.request_record()
        need(r is not None, "request.json is not usable")
        p = self.state_proof(path, "request/" + r["request_id"], ("NO_STATE_PROOF", "no request state proof"))
        if jcs(p["value"]) != jcs(r):
            raise Fail("REQUEST_MISMATCH", "the proven record is not request.json")
        sig = "" if self.rep.ok("case.block.signature") else " (the app hash itself is not proven signed)"
        return "request.json is proven" + sig

    def c_policy(self):
        path = "policy.json"
        if self.v1 and path not in self.members:
            raise Unknown("NO_POLICY", "a v1 case without policy.json")

        def shape(v):
            return exact(v, ("vault_id", "policy", "as_of")) and isinstance(v["vault_id"], str) and \
                isinstance(v["policy"], dict) and (is_int(v["as_of"]) or (self.v1 and v["as_of"] == "export"))
        pol = self.member_json(path, shape)
        r = self.request_record()
        need(r is not None, "request.json is not a usable request record")
        if pol["vault_id"] != r["vault_id"]:
            raise Fail("SUBJECT_MISMATCH", "policy.json is of another vault")
        sp = "proofs/policy-state.json"
        if self.v1 and sp not in self.members:
            raise Unknown("NO_STATE_PROOF", "a v1 case without a policy state proof")
        if pol["as_of"] != self.subject["height"]:
            raise Fail("SUBJECT_MISMATCH", "as_of is not the subject height")
        p = self.state_proof(sp, "vault/" + pol["vault_id"], ("NO_STATE_PROOF", "no policy state proof"))
        val = p["value"]
        if not isinstance(val, dict) or "policy" not in val or jcs(val["policy"]) != jcs(pol["policy"]):
            raise Fail("SUBJECT_MISMATCH", "the proven policy is not policy.json's")
        if not is_policy(pol["policy"]):
            raise Fail("MEMBER_INVALID", "policy.json's policy is not a vault policy")
        self.st["policy"] = pol["policy"]
        return "the policy is proven"

    def c_approvals(self):
        r = self.request_record()
        need(r is not None, "request.json is not usable")
        unverified = [a["tx_hash"] for a in r["approvals"] + r.get("attestations", []) if self.tx_ok(a["tx_hash"]) is None]
        need(not unverified, f"the transactions of {len(unverified)} approval(s) or attestation(s) did not pass "
             f"case.transactions ({unverified[0] if unverified else ''}); only signed approvals count")
        for a in r["approvals"]:
            t = self.tx_ok(a["tx_hash"])
            env = t["envelope"]
            if not (env["type"] == "withdrawal.approve" and env["body"].get("request_id") == r["request_id"]
                    and env["signer"] == a["key_id"] and t["height"] == a["height"]):
                raise Fail("APPROVAL_MISMATCH", f"approval {a['tx_hash']} is not that approval")
        for a in r.get("attestations", []):
            t = self.tx_ok(a["tx_hash"])
            env = t["envelope"]
            b = env["body"]
            if not (env["type"] == "withdrawal.attest" and b.get("request_id") == r["request_id"]
                    and env["signer"] == a["key_id"] and t["height"] == a["height"]
                    and b.get("attestation_type") == a["attestation_type"] and b.get("claim_ref") == a["claim_ref"]):
                raise Fail("APPROVAL_MISMATCH", f"attestation {a['tx_hash']} is not that attestation")
        need(self.rep.ok("case.policy"), "case.policy did not pass")
        pol = self.st["policy"]
        seen = set()
        for a in r["approvals"]:
            if a["key_id"] not in pol["approvers"]:
                raise Fail("NOT_AN_APPROVER", f"{a['key_id']} is not an approver of the proven policy")
            if a["key_id"] in seen:
                raise Fail("APPROVAL_MISMATCH", f"{a['key_id']} counted twice")
            seen.add(a["key_id"])
        w = pol.get("weights", {})
        weight = sum(w.get(k, 1) for k in seen)
        if weight < pol["threshold"]:
            raise Fail("BELOW_THRESHOLD", f"weight {weight} below threshold {pol['threshold']}")
        if "attestation" in pol:
            g = pol["attestation"]
            ks = {a["key_id"] for a in r.get("attestations", [])
                  if a["attestation_type"] == g["type"] and a["key_id"] in g["attesters"]}
            if len(ks) < g["threshold"]:
                raise Fail("BELOW_THRESHOLD", "attestations below the gate's threshold")
        return f"{len(seen)} approval(s) of weight {weight}, threshold {pol['threshold']}"

    def executing_tx(self, r):
        if r["executed_tx"] is not None:
            return r["executed_tx"]
        names = [r["created_tx"]] + [a["tx_hash"] for a in r["approvals"]] + [a["tx_hash"] for a in r.get("attestations", [])]
        return names[-1]

    def c_receipt(self):
        if "receipt.json" not in self.good:
            raise Unknown("NO_RECEIPT", "no receipt.json")
        rc = self.member_json("receipt.json", cmmr.receipt_well_formed, required=False,
                              absent_unknown=("NO_RECEIPT", ""))
        if cmmr.receipt_next_root(rc) != rc["next_root"]:
            raise Fail("NEXT_ROOT_MISMATCH", "the receipt's next_root does not recompute")
        r = self.request_record()
        need(r is not None, "request.json is not usable")
        h = self.executing_tx(r)
        t = self.tx_ok(h)
        need(t is not None, f"the executing transaction {h} did not pass case.transactions")
        if rc["tx_digest"] != h.lower() or rc["height"] != t["height"]:
            raise Fail("SUBJECT_MISMATCH", "the receipt is of another transaction or height")
        self.st["receipt"] = rc
        return f"receipt #{rc['seq']}"

    def c_inclusion(self):
        pth = "proofs/receipt-inclusion.json"
        if pth in self.good:
            ok, pr = jparse(self.good[pth])
            if not ok or not (exact(pr, ("mmr_index", "size", "path")) and is_uint(pr["mmr_index"]) and is_uint(pr["size"])
                              and is_path_list(pr["path"])):
                raise Fail("MEMBER_INVALID", f"{pth} is not {{mmr_index, size, path}}")
        if "receipt.json" not in self.good:
            raise Unknown("NO_RECEIPT", "no receipt.json")
        if pth not in self.good:
            raise Unknown("NO_PROOF", f"no {pth}")
        if "checkpoint.json" not in self.good:
            raise Unknown("NO_CHECKPOINT", "no checkpoint.json")
        need(self.rep.ok("proofs.receipt"), "proofs.receipt did not pass")
        sc = self.signed_checkpoint("checkpoint.json")
        rc = self.st["receipt"]
        c = sc["checkpoint"]
        if c["height"] < rc["height"]:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", "the checkpoint is before the receipt")
        why = cmmr.verify_receipt_inclusion(rc, pr, c)
        if why:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", f"inclusion: {why}")
        return f"receipt #{rc['seq']} is node {pr['mmr_index']} of MMR({c['mmr_size']})"

    # ------------------------------------------------------------------ history-segment
    def run_segment(self):
        rep = self.rep
        self.st = {}
        rep.run("segment.blocks", self.s_blocks)
        if self.st.get("stop"):
            rep.fill("verification stopped: the subject is not a canonical height range")
            return
        rep.run("segment.headers", self.s_headers)
        rep.run("segment.signatures", self.s_signatures)
        rep.run("segment.receipts", self.s_receipts)
        rep.run("proofs.receipts", self.s_proofs)
        rep.run("proofs.consistency", self.s_consistency)
        rep.run("checkpoint.from.quorum", self.check_ckpt_quorum, "checkpoints/from.json")
        rep.run("checkpoint.from.witnesses", self.check_ckpt_witnesses, "checkpoints/from.json")
        rep.run("checkpoint.to.quorum", self.check_ckpt_quorum, "checkpoints/to.json")
        rep.run("checkpoint.to.witnesses", self.check_ckpt_witnesses, "checkpoints/to.json")

    def s_blocks(self):
        S = self.subject
        rng = self.seg_range()
        if S["type"] != "height-range" or rng is None or rng[1] != S["height"]:
            self.st["stop"] = True
            raise Fail("SUBJECT_MISMATCH", "subject is not a canonical height range ending at subject.height")
        a, b = rng
        self.st["range"] = rng
        blocks = {}
        first = None
        for h in range(a, b + 1):
            p = "blocks/%012d.json" % h
            try:
                blk = self.member_json(p, lambda v: is_block(v, seg_v2=not self.v1))
                if blk["height"] != h or blk["chain_id"] != S["chain_id"]:
                    raise Fail("SUBJECT_MISMATCH", f"{p} is another height or chain")
                blocks[h] = blk
            except Fail as f:
                first = first or f
        for h in range(a + 1, b + 1):
            if h in blocks and h - 1 in blocks and blocks[h]["last_block_hash"] != blocks[h - 1]["hash"]:
                first = first or Fail("CHAIN_BROKEN", f"block {h} does not link to block {h - 1}")
        self.st["blocks"] = blocks
        self.st["all_blocks"] = len(blocks) == b - a + 1
        if first:
            raise first
        return f"blocks {a}-{b} of {S['chain_id']}, linked"

    def s_headers(self):
        need(self.st.get("all_blocks"), "not every block of the range is usable")
        a, b = self.st["range"]
        bl = self.st["blocks"]
        if self.v1 and all("header" not in bl[h] for h in bl):
            raise Unknown("NO_BLOCK_SIGNATURE", "a v1 segment carries no headers")
        for h in range(a, b + 1):
            if "header" not in bl[h]:
                raise Fail("CASE_INCOMPLETE", f"block {h} carries no header")
        if "next_header" not in bl[b]:
            raise Fail("CASE_INCOMPLETE", f"block {b} carries no next_header")
        for h in range(a, b + 1):
            blk = bl[h]
            hd = blk["header"]
            self.header_matches(hd, blk["hash"], h, blk["chain_id"], blk["app_hash"], blk["last_block_hash"])
            txs = blk.get("txs")
            if txs is None and self.v1:
                self.block_repeats_header(blk, hd)
                continue  # a v1 block carries no txs: nothing to compare data_hash with (GAPS.md G5)
            if txs is None:
                raise Fail("DATA_HASH_MISMATCH", f"block {h} has no txs")
            root = cmmr.merkle_root([bytes.fromhex(t) for t in txs]).hex().upper()
            if hd.get("data_hash") != root:
                raise Fail("DATA_HASH_MISMATCH", f"header {h}'s data_hash is not the Merkle root of txs")
            self.block_repeats_header(blk, hd)
        blk = bl[b]
        self.header_matches(blk["next_header"], None, b + 1, blk["chain_id"], blk["result_app_hash"], blk["hash"])
        return f"{b - a + 2} headers hash and link up"

    def s_signatures(self):
        need(self.rep.ok("segment.headers"), "segment.headers did not pass")
        if self.trust is None:
            raise Unknown("NO_TRUST_FILE", "no trust file given")
        a, b = self.st["range"]
        bl = self.st["blocks"]
        fails = []
        for h in range(a, b + 2):
            if h <= b:
                hd, sigs = bl[h]["header"], bl[h].get("validator_signatures", [])
            else:
                hd, sigs = bl[b]["next_header"], bl[b].get("next_validator_signatures", [])
            try:
                self.header_sigs(hd, sigs, h)
            except Fail as f:
                fails.append(f)
        if fails:
            bad = next((f for f in fails if f.reason == "BAD_SIGNATURE"), fails[0])
            raise Fail(bad.reason, bad.detail)
        return f"headers {a}-{b + 1} each carry a quorum"

    def s_receipts(self):
        if "receipts.json" not in self.good:
            raise Unknown("NO_RECEIPT", "no receipts.json")
        rs = self.member_json("receipts.json", lambda v: isinstance(v, list) and all(cmmr.receipt_well_formed(x) for x in v), required=False,
                              absent_unknown=("NO_RECEIPT", ""))
        bad = cmmr.verify_chain(rs)
        if bad:
            raise Fail(bad[1], f"receipt {bad[0]}")
        a, b = self.subject_range()
        for r in rs:
            if not (a <= r["height"] <= b):
                raise Fail("SUBJECT_MISMATCH", f"receipt #{r['seq']} is outside the range")
        need(self.st.get("all_blocks"), "not every block of the range is usable")
        bl = self.st["blocks"]
        if self.v1 and any("txs" not in bl[h] for h in bl):
            raise Unknown("NOT_CHECKED", "a v1 segment does not show its receipts complete")
        want = [(t.lower(), h) for h in range(a, b + 1) for t in bl[h]["txs"]]
        got = [(r["tx_digest"], r["height"]) for r in rs]
        if want != got:
            raise Fail("RECEIPTS_INCOMPLETE", "the receipts are not exactly the range's transactions")
        self.st["receipts"] = rs
        return f"{len(rs)} receipts chain and are exactly the range's transactions"

    def subject_range(self):
        return self.seg_range()

    def s_proofs(self):
        pth = "proofs/receipts-inclusion.json"
        if pth in self.good:
            ok, pr = jparse(self.good[pth])
            if not ok or not (exact(pr, ("size", "proofs")) and is_uint(pr["size"]) and isinstance(pr["proofs"], list)
                              and all(exact(x, ("mmr_index", "path")) and is_uint(x["mmr_index"]) and is_path_list(x["path"])
                                      for x in pr["proofs"])):
                raise Fail("MEMBER_INVALID", f"{pth} is not {{size, proofs:[{{mmr_index, path}}]}}")
        if pth not in self.good:
            raise Unknown("NO_PROOF", f"no {pth}")
        if "checkpoints/to.json" not in self.good:
            raise Unknown("NO_CHECKPOINT", "no checkpoints/to.json")
        need(self.rep.ok("segment.receipts"), "segment.receipts did not pass")
        sc = self.signed_checkpoint("checkpoints/to.json")
        c = sc["checkpoint"]
        a, b = self.subject_range()
        if c["height"] < b:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", "to.json is below TO")
        rs = self.st["receipts"]
        if len(pr["proofs"]) != len(rs):
            raise Fail("RECEIPTS_INCOMPLETE", "not one proof per receipt")
        for r, x in zip(rs, pr["proofs"]):
            why = cmmr.verify_receipt_inclusion(r, {"mmr_index": x["mmr_index"], "size": pr["size"], "path": x["path"]}, c)
            if why:
                raise Fail("PROOF_NOT_REACHING_CHECKPOINT", f"receipt #{r['seq']}: {why}")
        return f"{len(rs)} receipts are leaves of MMR({c['mmr_size']})"

    def s_consistency(self):
        for p in ("checkpoints/from.json", "checkpoints/to.json"):
            if p not in self.good:
                raise Unknown("NO_CHECKPOINT", f"no {p}")
        pth = "proofs/consistency.json"
        if pth not in self.good:
            raise Unknown("NO_PROOF", f"no {pth}")
        pr = self.member_json(pth, lambda v: exact(v, ("from_size", "to_size", "paths")) and is_uint(v["from_size"])
                              and is_uint(v["to_size"]) and isinstance(v["paths"], list)
                              and all(is_path_list(x) for x in v["paths"]))
        f = self.signed_checkpoint("checkpoints/from.json")["checkpoint"]
        t = self.signed_checkpoint("checkpoints/to.json")["checkpoint"]
        if pr["from_size"] != f["mmr_size"] or pr["to_size"] != t["mmr_size"]:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", "the proof's sizes are not the checkpoints'")
        if f["log_id"] != t["log_id"] or f["height"] > t["height"]:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", "the checkpoints are of two logs, or from is after to")
        ok = cmmr.verify_consistency(f["mmr_size"], t["mmr_size"], [bytes.fromhex(x) for x in f["peaks"]],
                                     [bytes.fromhex(x) for x in t["peaks"]],
                                     [[bytes.fromhex(x) for x in p] for p in pr["paths"]])
        if not ok:
            raise Fail("PROOF_NOT_REACHING_CHECKPOINT", "the consistency proof does not verify")
        return f"MMR({t['mmr_size']}) extends MMR({f['mmr_size']})"


def tx_hashes(r):
    out = []
    for h in [r["created_tx"]] + [a["tx_hash"] for a in r["approvals"]] + \
            [a["tx_hash"] for a in r.get("attestations", [])] + ([r["executed_tx"]] if r["executed_tx"] else []):
        if h not in out:
            out.append(h)
    return out


RE_KIND = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


def manifest_problem(m):
    if not exact(m, ("format", "kind", "subject", "created_by", "members")):
        return "not exactly {format, kind, subject, created_by, members}"
    if not isinstance(m["format"], str):
        return "format is not a string"
    if not (isinstance(m["kind"], str) and RE_KIND.match(m["kind"])):
        return "kind does not match [a-z][a-z0-9-]{0,63}"
    s = m["subject"]
    if not exact(s, ("type", "id", "chain_id", "height")):
        return "subject is not exactly {type, id, chain_id, height}"
    if not (is_str(s["type"], 1, 64) and is_str(s["id"], 1, 256) and is_str(s["chain_id"], 1, 64) and is_uint(s["height"])):
        return "subject fields out of range"
    c = m["created_by"]
    if not exact(c, ("tool", "version", "key_id")):
        return "created_by is not exactly {tool, version, key_id}"
    if not (is_str(c["tool"], 1, 128) and is_str(c["version"], 1, 64) and isinstance(c["key_id"], str) and HEX40.match(c["key_id"])):
        return "created_by fields out of range"
    mem = m["members"]
    if not isinstance(mem, list) or len(mem) > 1_000_000:
        return "members is not a list of at most 1,000,000"
    prev = None
    for x in mem:
        if not exact(x, ("path", "artifact_type", "sha256", "size")):
            return "a member is not exactly {path, artifact_type, sha256, size}"
        p = x["path"]
        if not isinstance(p, str) or path_rule(p) or p == "manifest.json" or p.startswith("attestations/") or p.endswith("/"):
            return f"member path {p!r} is not allowed"
        if not is_str(x["artifact_type"], 1, 128):
            return "artifact_type out of range"
        if not (isinstance(x["sha256"], str) and HEX64.match(x["sha256"])):
            return "sha256 is not 64 lower-case hex"
        if not is_uint(x["size"]):
            return "size is not an integer 0..2^53-1"
        k = p.encode("utf-16-be")
        if prev is not None and not (prev < k):
            return "members are not sorted by path (UTF-16) or a path repeats"
        prev = k
    return None


def main(argv):
    args = argv[1:]
    trust_path = None
    files = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--trust":
            if i + 1 >= len(args):
                print("usage: verify_bundle.py [--trust TRUST.json] BUNDLE.zip ...", file=sys.stderr)
                return 64
            trust_path = args[i + 1]
            i += 2
            continue
        if a.startswith("--trust="):
            trust_path = a[len("--trust="):]
        elif a.startswith("-") and a != "-":
            print(f"unknown option {a}", file=sys.stderr)
            return 64
        else:
            files.append(a)
        i += 1
    if not files:
        print("usage: verify_bundle.py [--trust TRUST.json] BUNDLE.zip ...", file=sys.stderr)
        return 64
    try:
        trust = load_trust(trust_path) if trust_path else None
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return 64
    bufs = []
    for f in files:
        try:
            with open(f, "rb") as fh:
                bufs.append(fh.read())
        except OSError as e:
            print(f"cannot read {f}: {e}", file=sys.stderr)
            return 64
    for f, buf in zip(files, bufs):
        try:
            verdict, checks = Bundle(buf, trust).verify()
        except Exception as ex:  # never expected: report rather than crash
            verdict, checks = "fail", [{"id": "internal", "verdict": "fail", "reason": "INTERNAL", "detail": repr(ex)}]
        print(json.dumps({"file": f, "verdict": verdict, "checks": checks}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
