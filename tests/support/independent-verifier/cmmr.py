"""MMRIVER (evidence-log.md §3), receipts (§4), state tree entry proofs (transactions.md §6),
CometBFT simple Merkle root (evidence-bundle.md §3.1)."""
import hashlib
import re

from cjson import jcs, MAX_SAFE
from ccrypto import D

HEX64 = re.compile(r"^[0-9a-f]{64}$")
ZERO = "0" * 64


def H(b):
    return hashlib.sha256(b).digest()


def index_height(i):
    pos = i + 1
    while pos & (pos + 1):  # not all ones
        pos -= (1 << (pos.bit_length() - 1)) - 1
    return pos.bit_length() - 1


def mmr_index(e):
    return 2 * e - bin(e).count("1")


def valid_size(s):
    return isinstance(s, int) and not isinstance(s, bool) and s >= 0 and (s == 0 or index_height(s) == 0)


def peaks(s):
    out = []
    peak = 0
    sp = s
    while sp != 0:
        h = (1 << ((sp + 1).bit_length() - 1)) - 1
        peak += h
        out.append(peak - 1)
        sp -= h
    return out


def path_len(i, s):
    last = s - 1
    g = index_height(i)
    n = 0
    while True:
        if index_height(i + 1) > g:
            sib = i - (1 << (g + 1)) + 1
            i = i + 1
        else:
            sib = i + (1 << (g + 1)) - 1
            i = i + (1 << (g + 1))
        if sib > last:
            return n
        n += 1
        g += 1


def included_root(i, value, proof):
    root = value
    g = index_height(i)
    for p in proof:
        if index_height(i + 1) > g:
            i = i + 1
            root = H((i + 1).to_bytes(8, "big") + p + root)
        else:
            i = i + (1 << (g + 1))
            root = H((i + 1).to_bytes(8, "big") + root + p)
        g += 1
    return root


def verify_inclusion(size, leaf, i, proof, acc):
    if not valid_size(size) or not (0 <= i < size):
        return False
    pk = peaks(size)
    if len(acc) != len(pk):
        return False
    if len(proof) != path_len(i, size):
        return False
    k = next(j for j, p in enumerate(pk) if p >= i)
    return included_root(i, leaf, proof) == acc[k]


def verify_consistency(a, b, acc_a, acc_b, paths):
    if not (valid_size(a) and valid_size(b) and a <= b):
        return False
    pa, pb = peaks(a), peaks(b)
    if len(acc_a) != len(pa) or len(acc_b) != len(pb) or len(paths) != len(pa):
        return False
    for idx, path, val in zip(pa, paths, acc_a):
        if len(path) != path_len(idx, b):
            return False
        k = next(j for j, p in enumerate(pb) if p >= idx)
        if included_root(idx, val, path) != acc_b[k]:
            return False
    return True


# ----------------------------------------------------------------- receipts

def _uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_SAFE


RECEIPT_FIELDS = {"seq", "prev_root", "next_root", "height", "tx_digest", "result", "events_digest"}


def receipt_well_formed(r):
    if not isinstance(r, dict) or set(r.keys()) != RECEIPT_FIELDS:
        return False
    if not (_uint(r["seq"]) and _uint(r["height"])):
        return False
    for k in ("prev_root", "next_root", "tx_digest", "events_digest"):
        if not (isinstance(r[k], str) and HEX64.match(r[k])):
            return False
    res = r["result"]
    if not isinstance(res, dict) or "code" not in res or not _uint(res["code"]):
        return False
    if res["code"] == 0:
        if set(res.keys()) != {"code"}:
            return False
    else:
        if set(res.keys()) != {"code", "codespace"} or not isinstance(res["codespace"], str):
            return False
    return True


def receipt_next_root(r):
    body = {k: v for k, v in r.items() if k != "next_root"}
    return D("charter/receipt-chain/v1", jcs(body)).hex()


def receipt_digest(r):
    return D("charter/receipt/v1", jcs(r))


def verify_chain(receipts, expect_prev=None):
    """Returns None or (index, reason) (evidence-log.md §4.3)."""
    for i, r in enumerate(receipts):
        if not receipt_well_formed(r):
            return (i, "MALFORMED")
    for i, r in enumerate(receipts):
        if i == 0:
            if r["seq"] == 0 and r["prev_root"] != ZERO:
                return (i, "BAD_GENESIS")
            if expect_prev is not None and r["prev_root"] != expect_prev:
                return (i, "PREV_ROOT_MISMATCH")
        else:
            p = receipts[i - 1]
            if r["seq"] != p["seq"] + 1:
                return (i, "SEQ_GAP")
            if r["prev_root"] != p["next_root"]:
                return (i, "PREV_ROOT_MISMATCH")
            if r["height"] < p["height"]:
                return (i, "HEIGHT_DECREASES")
        if receipt_next_root(r) != r["next_root"]:
            return (i, "NEXT_ROOT_MISMATCH")
    return None


def verify_receipt_inclusion(receipt, proof, checkpoint):
    """evidence-log.md §4.4: None when it holds, else a reason string."""
    if not receipt_well_formed(receipt) or receipt_next_root(receipt) != receipt["next_root"]:
        return "MALFORMED"
    if proof["mmr_index"] != mmr_index(receipt["seq"]):
        return "INDEX_MISMATCH"
    if "size" in proof and proof["size"] != checkpoint["mmr_size"]:
        return "SIZE_MISMATCH"
    size = checkpoint["mmr_size"]
    if not (proof["mmr_index"] < size):
        return "NOT_IN_CHECKPOINT"
    acc = [bytes.fromhex(p) for p in checkpoint["peaks"]]
    path = [bytes.fromhex(p) for p in proof["path"]]
    if not verify_inclusion(size, receipt_digest(receipt), proof["mmr_index"], path, acc):
        return "PROOF_INVALID"
    return None


# ----------------------------------------------------------------- state tree (transactions.md §6)

def verify_entry_proof(root: bytes, key: str, value, proof) -> bool:
    kb = key.encode("utf-8")
    r = H(b"\x00" + len(kb).to_bytes(4, "big") + kb + H(jcs(value)))
    path = H(kb)
    bits, sibs = proof["bits"], proof["audit_path"]
    if len(bits) != len(sibs):
        return False
    prev = 256
    for c, s in zip(bits, sibs):
        if not isinstance(c, int) or isinstance(c, bool) or not (0 <= c <= 255) or c >= prev:
            return False
        prev = c
        sb = bytes.fromhex(s)
        bit = (path[c // 8] >> (7 - c % 8)) & 1
        r = H(b"\x01" + sb + r) if bit else H(b"\x01" + r + sb)
    return r == root


# ----------------------------------------------------------------- CometBFT simple Merkle (RFC 6962)

def merkle_root(items):
    if not items:
        return H(b"")
    if len(items) == 1:
        return H(b"\x00" + items[0])
    k = 1
    while k * 2 < len(items):
        k *= 2
    return H(b"\x01" + merkle_root(items[:k]) + merkle_root(items[k:]))
