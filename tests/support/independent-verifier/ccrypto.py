"""Signature schemes of docs/formats/transactions.md §9 and evidence-bundle.md §4, from the documents."""
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from cjson import jcs

SCHEMES = ("ed25519", "p256", "secp256k1")


def sha256(b):
    return hashlib.sha256(b).digest()


def key_id_of(scheme: str, public_key: bytes) -> str:
    return sha256(scheme.encode("utf-8") + b"\x00" + public_key)[:20].hex()


def D(domain: str, data: bytes) -> bytes:
    return sha256(domain.encode("utf-8") + b"\x00" + data)


# ------------------------------------------------------------------ Ed25519 (strict)
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
_d = (-121665 * pow(121666, P - 2, P)) % P
_I = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(_d * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None  # negative zero
        return 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * _I % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decode_point(b: bytes):
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * _d * t2 % P
    dd = z1 * 2 * z2 % P
    e, f, g, h = b - a, dd - c, dd + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _is_identity(p):
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


def ed25519_key_ok(pub: bytes) -> bool:
    pt = _decode_point(pub)
    if pt is None:
        return False
    q = pt
    for _ in range(3):
        q = _add(q, q)
    return not _is_identity(q)  # small order: [8]A is the identity


def ed25519_verify(pub: bytes, msg: bytes, sig: bytes) -> bool:
    if len(pub) != 32 or len(sig) != 64 or not ed25519_key_ok(pub):
        return False
    if _decode_point(sig[:32]) is None:
        return False
    if int.from_bytes(sig[32:], "little") >= L:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)  # cofactorless, S < L (OpenSSL)
        return True  # cofactorless implies cofactored
    except InvalidSignature:
        return False
    except Exception:
        return False


# ------------------------------------------------------------------ ECDSA
CURVES = {
    "p256": (ec.SECP256R1(), 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
             0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF),
    "secp256k1": (ec.SECP256K1(), 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
                  2 ** 256 - 2 ** 32 - 977),
}


def ecdsa_key(scheme, pub: bytes):
    curve, n, p = CURVES[scheme]
    if len(pub) != 33 or pub[0] not in (2, 3):
        return None
    if int.from_bytes(pub[1:], "big") >= p:
        return None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, pub)
    except Exception:
        return None


def public_key_ok(scheme, pub: bytes) -> bool:
    if scheme == "ed25519":
        return len(pub) == 32 and ed25519_key_ok(pub)
    if scheme in CURVES:
        return ecdsa_key(scheme, pub) is not None
    return False


def _ecdsa_rs_ok(scheme, r, s):
    n = CURVES[scheme][1]
    return 1 <= r < n and 1 <= s <= n // 2


def ecdsa_verify_rs(scheme, pub: bytes, r: int, s: int, data: bytes, prehashed: bool) -> bool:
    """prehashed: data is e itself (32 bytes); else e = SHA-256(data)."""
    if not _ecdsa_rs_ok(scheme, r, s):
        return False
    k = ecdsa_key(scheme, pub)
    if k is None:
        return False
    der = encode_dss_signature(r, s)
    try:
        if prehashed:
            if len(data) != 32:
                return False
            k.verify(der, data, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            k.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
    except Exception:
        return False


def compact_rs(sig: bytes):
    if len(sig) != 64:
        return None
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")


def strict_der_rs(sig: bytes):
    """SEQUENCE { INTEGER r, INTEGER s }, short-form lengths, minimal non-negative integers, nothing after."""
    if len(sig) < 8 or len(sig) > 72:
        return None
    if sig[0] != 0x30 or sig[1] >= 0x80 or sig[1] != len(sig) - 2:
        return None
    i = 2
    vals = []
    for _ in range(2):
        if i + 2 > len(sig) or sig[i] != 0x02:
            return None
        ln = sig[i + 1]
        if ln >= 0x80 or ln < 1:
            return None
        i += 2
        if i + ln > len(sig):
            return None
        body = sig[i:i + ln]
        if body[0] & 0x80:
            return None
        if ln > 1 and body[0] == 0 and not (body[1] & 0x80):
            return None
        vals.append(int.from_bytes(body, "big"))
        i += ln
    if i != len(sig):
        return None
    return vals[0], vals[1]


def verify_attestation(scheme, pub: bytes, pae: bytes, sig: bytes, fmt: str) -> bool:
    if scheme == "ed25519":
        return ed25519_verify(pub, pae, sig)
    if scheme in CURVES:
        rs = strict_der_rs(sig) if fmt == "charter.bundle/v2" else compact_rs(sig)
        if rs is None:
            return False
        return ecdsa_verify_rs(scheme, pub, rs[0], rs[1], pae, prehashed=False)
    return False


def verify_digest_sig(scheme, pub: bytes, digest32: bytes, sig: bytes) -> bool:
    """Checkpoint / cosignature rule (evidence-log.md §5.2): ed25519 over the digest bytes,
    p256 ECDSA-SHA256 with the digest as message, secp256k1 the digest as the ECDSA hash."""
    if scheme == "ed25519":
        return ed25519_verify(pub, digest32, sig)
    rs = compact_rs(sig)
    if rs is None:
        return False
    if scheme == "p256":
        return ecdsa_verify_rs(scheme, pub, rs[0], rs[1], digest32, prehashed=False)
    if scheme == "secp256k1":
        return ecdsa_verify_rs(scheme, pub, rs[0], rs[1], digest32, prehashed=True)
    return False


# ------------------------------------------------------------------ transactions (transactions.md §2, §9)

def signing_digest(envelope: dict) -> bytes:
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    return D("charter/tx/v1", jcs(unsigned))


def _keccak(b):
    from Crypto.Hash import keccak
    h = keccak.new(digest_bits=256)
    h.update(b)
    return h.digest()


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_FIELDS = ("chain_id", "signer", "nonce", "expires_at", "version")


def _pascal(t):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[._]", t) if p)


def eip712_digest(envelope: dict):
    body = envelope["body"]
    fields = []
    for k in sorted(body.keys()):  # "sorted key order" (assumed: code-unit order, as JCS)
        if not _IDENT.match(k) or k in _ENV_FIELDS or k in ("body", "type", "signature"):
            return None
        v = body[k]
        if isinstance(v, bool):
            fields.append(("bool", k, v))
        elif isinstance(v, str):
            fields.append(("string", k, v))
        elif isinstance(v, int):
            if v < 0:
                return None
            fields.append(("uint256", k, v))
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            fields.append(("string[]", k, v))
        else:
            fields.append(("string", k, jcs(v).decode("utf-8")))
    fields += [("string", "chain_id", envelope["chain_id"]), ("string", "signer", envelope["signer"]),
               ("uint256", "nonce", envelope["nonce"]), ("uint256", "expires_at", envelope["expires_at"]),
               ("uint256", "version", envelope["version"])]
    name = _pascal(envelope["type"])
    enc_type = name + "(" + ",".join(f"{t} {k}" for t, k, _ in fields) + ")"

    def enc(t, v):
        if t == "string":
            return _keccak(v.encode("utf-8"))
        if t == "uint256":
            return int(v).to_bytes(32, "big")
        if t == "bool":
            return (1 if v else 0).to_bytes(32, "big")
        if t == "string[]":
            return _keccak(b"".join(_keccak(x.encode("utf-8")) for x in v))
        if t == "bytes32":
            return v
        raise ValueError(t)

    struct_hash = _keccak(_keccak(enc_type.encode()) + b"".join(enc(t, v) for t, _, v in fields))
    dom_type = b"EIP712Domain(string name,string version,bytes32 salt)"
    dom = _keccak(_keccak(dom_type) + _keccak(b"Charter Custody") + _keccak(b"1")
                  + _keccak(envelope["chain_id"].encode("utf-8")))
    return _keccak(b"\x19\x01" + dom + struct_hash)


def verify_envelope(scheme, pub: bytes, envelope: dict) -> bool:
    try:
        sig = bytes.fromhex(envelope["signature"])
    except Exception:
        return False
    digest = signing_digest(envelope)
    if scheme == "ed25519":
        return ed25519_verify(pub, digest, sig)
    rs = compact_rs(sig)
    if rs is None:
        return False
    if scheme == "p256":
        return ecdsa_verify_rs("p256", pub, rs[0], rs[1], digest, prehashed=False)
    if scheme == "secp256k1":
        e = eip712_digest(envelope)
        if e is None:
            return False
        return ecdsa_verify_rs("secp256k1", pub, rs[0], rs[1], e, prehashed=True)
    return False
