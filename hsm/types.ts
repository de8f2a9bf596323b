/**
 * The key backend interface: software keystore, PKCS#11 tokens and Ledger
 * devices implement it.
 *
 * A backend never hands a private key to its caller: it signs a digest.
 * Secrets needed to unlock a key (passphrase, PIN) are passed per call and
 * not kept after it returns; they never reach a log, the database or the
 * renderer.
 */
import type { SignatureScheme, UnsignedEnvelope } from '../core/engine/types.js';

export type BackendKind = 'software' | 'pkcs11' | 'ledger';

/** A device a backend can see: the software keystore, a PKCS#11 slot/token, a Ledger. */
export interface DeviceInfo {
  /** Stable id within the backend, e.g. "software", "pkcs11:<serial>", "ledger:<path>". */
  deviceId: string;
  backend: BackendKind;
  label: string;
  /** 'ready', or why the device cannot be used right now. */
  state: 'ready' | 'locked' | 'pin-locked' | 'wrong-app' | 'no-permission' | 'absent' | 'error';
  /** Human-readable detail for the state (never a secret). */
  detail?: string;
  /** Backend-specific public facts: manufacturer, model, serial, flags, firmware, app version… */
  facts: Record<string, string>;
}

export interface KeyInfo {
  keyId: string;
  label: string;
  scheme: SignatureScheme;
  backend: BackendKind;
  /** Which device holds it (DeviceInfo.deviceId). */
  deviceId: string;
  /** Lower-case hex public key in the engine's encoding (ed25519: 32 bytes; p256/secp256k1: 33-byte compressed). */
  publicKey: string;
  createdAt: string;
  /** Backend locator, public: e.g. PKCS#11 CKA_ID hex, Ledger BIP-44 path. */
  locator?: string;
}

/**
 * Evidence that a key was born where it says and never left it: a record of
 * public facts read back from the device, in canonical JSON form when stored.
 */
export interface AttestationRecord {
  format: 'charter-key-attestation/v1';
  key_id: string;
  scheme: SignatureScheme;
  public_key: string;
  backend: BackendKind;
  /** Device facts (token serial/model/manufacturer; Ledger model/app version; "software"). */
  device: Record<string, string>;
  /** Key facts read from the device (PKCS#11: CKA_LOCAL, CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKA_ID, label…). */
  key: Record<string, string | boolean>;
}

/** What is being signed. `digest` is what the engine verifies; `envelope` lets a device show fields (EIP-712). */
export interface SignRequest {
  scheme: SignatureScheme;
  /** 32-byte signing digest (for secp256k1: the EIP-712 digest of the envelope). */
  digest: Uint8Array;
  envelope?: UnsignedEnvelope;
  /**
   * An evidence-bundle attestation instead of an engine digest: the DSSE PAE
   * bytes (docs/formats/evidence-bundle.md §4). The backend signs Ed25519 over
   * PAE, or ECDSA with e = SHA-256(PAE) (no further hashing), returned as
   * 64-byte r||s with low S in every bundle format (the bundle assembly writes
   * it as DER for charter.bundle/v2); `digest` must then be SHA-256(PAE). Only the software backend signs these so far; the
   * evidence service refuses other backends (NOT_SUPPORTED).
   */
  attestationPae?: Uint8Array;
}

/** Per-call secret: a passphrase (software) or PIN (PKCS#11); Ledger needs none. */
export interface Unlock {
  secret?: string;
}

export interface GenerateOptions extends Unlock {
  label: string;
  scheme: SignatureScheme;
  /** Which device (PKCS#11 token, Ledger); default: the backend's only/first ready one. */
  deviceId?: string;
  /** Ledger: BIP-44 path to derive. */
  path?: string;
}

export interface KeyBackend {
  readonly kind: BackendKind;
  devices(): Promise<DeviceInfo[]>;
  list(): Promise<KeyInfo[]>;
  get(keyId: string): Promise<KeyInfo>;
  generate(opts: GenerateOptions): Promise<KeyInfo>;
  /**
   * Sign for the engine: returns the signature in the engine's encoding
   * (ed25519: 64 bytes; ECDSA: 64-byte r||s with low S).
   * Throws a CharterError with a stable code (WRONG_PASSPHRASE, KEY_NOT_FOUND, PIN_INCORRECT…).
   */
  sign(keyId: string, req: SignRequest, unlock: Unlock): Promise<Uint8Array>;
  attest(keyId: string, unlock: Unlock): Promise<AttestationRecord>;
  /** Destroy or disable the key where the device allows (NOT_SUPPORTED otherwise). */
  destroy?(keyId: string, unlock: Unlock): Promise<void>;
}

/** Serialises calls per device: one request at a time, in order. */
export class DeviceQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
