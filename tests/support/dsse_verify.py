"""Verify a DSSE envelope with securesystemslib, an independent DSSE implementation.

Usage: python3 dsse_verify.py ENVELOPE.json PUBLIC_KEY.pem KEYID

ENVELOPE.json is a bundle attestation (attestations/<KEYID>.dsse.json), the PEM
is the signer's SubjectPublicKeyInfo (`charter keys pem` / `charter trust pem`)
and KEYID the Charter key id the envelope's signature names (securesystemslib
matches a signature to a key by keyid).

Ed25519 and ECDSA P-256 keys: securesystemslib.dsse.Envelope.verify with the key
loaded by SSlibKey.from_crypto (schemes "ed25519" and "ecdsa-sha2-nistp256").
secp256k1 keys: securesystemslib has no secp256k1 scheme, so the PAE comes from
securesystemslib's Envelope.pae() and pyca/cryptography verifies the DER
signature over it with ECDSA(SHA256()).

Prints one JSON line: {"verified": true|false, "method": ..., "error": ...}.
Exit 0 verified, 1 not verified, 2 bad usage or input.
"""
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey


def main(argv):
    if len(argv) != 4:
        print(json.dumps({"verified": False, "error": "usage: dsse_verify.py ENVELOPE.json PUBLIC_KEY.pem KEYID"}))
        return 2
    env_path, pem_path, keyid = argv[1], argv[2], argv[3]
    with open(env_path, "rb") as f:
        envelope = Envelope.from_dict(json.loads(f.read().decode("utf-8")))
    with open(pem_path, "rb") as f:
        public_key = load_pem_public_key(f.read())

    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256K1):
        method = "cryptography ECDSA(SHA256) secp256k1 over securesystemslib Envelope.pae()"
        sig = envelope.signatures.get(keyid)
        if sig is None:
            print(json.dumps({"verified": False, "method": method, "error": f"no signature with keyid {keyid}"}))
            return 1
        try:
            public_key.verify(bytes.fromhex(sig.signature), envelope.pae(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            print(json.dumps({"verified": False, "method": method, "error": "InvalidSignature"}))
            return 1
        print(json.dumps({"verified": True, "method": method, "keyids": [keyid]}))
        return 0

    key = SSlibKey.from_crypto(public_key, keyid=keyid)
    method = f"securesystemslib.dsse.Envelope.verify ({key.keytype}/{key.scheme})"
    try:
        accepted = envelope.verify([key], threshold=1)
    except VerificationError as e:
        print(json.dumps({"verified": False, "method": method, "error": str(e)}))
        return 1
    print(json.dumps({"verified": True, "method": method, "keyids": sorted(accepted.keys())}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # noqa: BLE001 - any failure to load is bad input, reported as JSON
        print(json.dumps({"verified": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(2)
