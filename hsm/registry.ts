/**
 * KeyBackends: the configured key backends of one console (the software
 * keystore always; PKCS#11 modules and Ledger when configured), seen as one.
 *
 * It lists devices and keys across backends (a backend that fails to answer
 * shows up as a device in state 'error' with the failure's stable code, and
 * the others still answer), finds the backend holding a key by key id, and
 * tells listeners when devices or keys change. It holds no secret: unlock
 * secrets pass through `sign`/`attest`/`generate` to the backend and are not
 * kept.
 */
import { CharterError } from '../core/errors.js';
import type { AttestationRecord, BackendKind, DeviceInfo, GenerateOptions, KeyBackend, KeyInfo, SignRequest, Unlock } from './types.js';

/** Why a backend could not list its keys (shown beside the keys that could be listed). */
export interface BackendProblem {
  backend: BackendKind;
  /** Index of the backend among those of its kind (several PKCS#11 modules). */
  index: number;
  code: string;
  message: string;
}

export type ChangeListener = (reason: string) => void;

function codeOf(e: unknown): { code: string; message: string } {
  if (e instanceof CharterError) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) };
}

export class KeyBackends {
  private readonly backends: KeyBackend[] = [];
  private readonly names = new Map<KeyBackend, string>();
  /** keyId → backend, filled by every listing and lookup. */
  private readonly owner = new Map<string, KeyBackend>();
  private readonly listeners = new Set<ChangeListener>();

  constructor(backends: KeyBackend[] = []) {
    for (const b of backends) this.add(b);
  }

  /** Add a backend; `name` describes it in errors (e.g. the PKCS#11 module path). */
  add(b: KeyBackend, name: string = b.kind): void {
    this.backends.push(b);
    this.names.set(b, name);
    this.emit(`backend ${name} added`);
  }

  /** Remove a backend (e.g. Ledger disabled in settings). */
  remove(b: KeyBackend): void {
    const i = this.backends.indexOf(b);
    if (i < 0) return;
    this.backends.splice(i, 1);
    for (const [id, o] of this.owner) if (o === b) this.owner.delete(id);
    this.emit(`backend ${this.names.get(b) ?? b.kind} removed`);
    this.names.delete(b);
  }

  all(): readonly KeyBackend[] {
    return this.backends;
  }

  kinds(): BackendKind[] {
    return [...new Set(this.backends.map((b) => b.kind))];
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(reason: string): void {
    for (const l of this.listeners) {
      try {
        l(reason);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private indexOf(b: KeyBackend): number {
    return this.backends.filter((x) => x.kind === b.kind).indexOf(b);
  }

  /** Devices of every backend. A backend that cannot answer is shown as one device in state 'error'. */
  async devices(): Promise<DeviceInfo[]> {
    const out: DeviceInfo[] = [];
    for (const b of this.backends) {
      try {
        out.push(...(await b.devices()));
      } catch (e) {
        const { code, message } = codeOf(e);
        out.push({
          deviceId: `${b.kind}:backend-${this.indexOf(b)}`,
          backend: b.kind,
          label: this.names.get(b) ?? b.kind,
          state: 'error',
          detail: `${code}: ${message}`,
          facts: { code },
        });
      }
    }
    return out;
  }

  /** Keys of every backend, plus the problems of backends that could not list theirs. */
  async keys(): Promise<{ keys: KeyInfo[]; problems: BackendProblem[] }> {
    const keys: KeyInfo[] = [];
    const problems: BackendProblem[] = [];
    const seen = new Set<string>();
    for (const b of this.backends) {
      try {
        for (const k of await b.list()) {
          if (seen.has(k.keyId)) continue; // the same key reachable twice (two modules, one token): first wins
          seen.add(k.keyId);
          this.owner.set(k.keyId, b);
          keys.push(k);
        }
      } catch (e) {
        problems.push({ backend: b.kind, index: this.indexOf(b), ...codeOf(e) });
      }
    }
    return { keys, problems };
  }

  /** The backend holding a key and the key's public facts; KEY_NOT_FOUND if no backend has it. */
  async find(keyId: string): Promise<{ backend: KeyBackend; info: KeyInfo }> {
    const known = this.owner.get(keyId);
    if (known && this.backends.includes(known)) {
      try {
        return { backend: known, info: await known.get(keyId) };
      } catch (e) {
        if (!(e instanceof CharterError && e.code === 'KEY_NOT_FOUND')) throw e;
        this.owner.delete(keyId);
      }
    }
    let deviceError: unknown = null;
    for (const b of this.backends) {
      try {
        const info = await b.get(keyId);
        this.owner.set(keyId, b);
        return { backend: b, info };
      } catch (e) {
        if (e instanceof CharterError && e.code === 'KEY_NOT_FOUND') continue;
        // A device that cannot answer may hold the key: remember why, try the others.
        deviceError ??= e;
      }
    }
    if (deviceError) throw deviceError;
    throw new CharterError('KEY_NOT_FOUND', `no configured key backend (${this.kinds().join(', ') || 'none'}) holds key ${keyId}`);
  }

  /** The backend of this kind that should generate on `deviceId` (default: the first of the kind). */
  async backendFor(kind: BackendKind, deviceId?: string): Promise<KeyBackend> {
    const of = this.backends.filter((b) => b.kind === kind);
    if (of.length === 0) {
      const how: Record<BackendKind, string> = {
        software: 'the software keystore is always configured',
        pkcs11: 'configure a PKCS#11 module in <workspace>/config.json, $CHARTER_PKCS11_MODULE or --pkcs11-module (docs/keys-and-devices.md)',
        ledger: 'enable Ledger devices in Settings (or CHARTER_LEDGER=1)',
      };
      throw new CharterError('NOT_AVAILABLE', `no ${kind} backend is configured: ${how[kind]}`);
    }
    if (deviceId === undefined || of.length === 1) return of[0] as KeyBackend;
    for (const b of of) {
      try {
        if ((await b.devices()).some((d) => d.deviceId === deviceId)) return b;
      } catch {
        // try the next module
      }
    }
    throw new CharterError('NOT_FOUND', `no ${kind} device ${deviceId} is present`);
  }

  async generate(kind: BackendKind, opts: GenerateOptions): Promise<{ backend: KeyBackend; info: KeyInfo }> {
    const backend = await this.backendFor(kind, opts.deviceId);
    const info = await backend.generate(opts);
    this.owner.set(info.keyId, backend);
    this.emit(`key ${info.keyId} generated on ${info.deviceId}`);
    return { backend, info };
  }

  async sign(keyId: string, req: SignRequest, unlock: Unlock): Promise<Uint8Array> {
    const { backend } = await this.find(keyId);
    return backend.sign(keyId, req, unlock);
  }

  async attest(keyId: string, unlock: Unlock): Promise<AttestationRecord> {
    const { backend } = await this.find(keyId);
    return backend.attest(keyId, unlock);
  }
}
