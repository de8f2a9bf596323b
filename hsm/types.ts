/**
 * The key backend interface. Issue 2 ships the software keystore; PKCS#11
 * HSMs and Ledger devices implement the same interface (issue 5).
 *
 * A backend never hands a private key to its caller: it signs a digest.
 * Secrets needed to unlock a key (passphrase, PIN) are passed per call and
 * not kept after it returns.
 */
export type BackendKind = 'software';

export interface KeyInfo {
  keyId: string;
  label: string;
  scheme: 'ed25519';
  backend: BackendKind;
  /** Lower-case hex public key. */
  publicKey: string;
  createdAt: string;
}

export interface KeyBackend {
  readonly kind: BackendKind;
  list(): Promise<KeyInfo[]>;
  get(keyId: string): Promise<KeyInfo>;
  generate(opts: { label: string; secret: string }): Promise<KeyInfo>;
  /** Sign a 32-byte digest. Throws WRONG_PASSPHRASE / KEY_NOT_FOUND / KEYSTORE_CORRUPT. */
  sign(keyId: string, digest: Uint8Array, secret: string): Promise<Uint8Array>;
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
