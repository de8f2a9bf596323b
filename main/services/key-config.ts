/**
 * Which key backends a console uses, and building them.
 *
 *   - the software keystore of the workspace: always;
 *   - PKCS#11 modules (shared libraries: SoftHSM2, a real HSM, a smart card):
 *     from the CLI flag / createCharter option, $CHARTER_PKCS11_MODULE
 *     (several separated by the platform's path delimiter) and the
 *     `keys.pkcs11Modules` setting, in that order, without duplicates;
 *   - Ledger devices: when the option says so, $CHARTER_LEDGER=1, or the
 *     `keys.ledgerEnabled` setting is true.
 *
 * A module that fails to load does not stop the console: it is reported on
 * the Output panel and shows as a device in state 'error'.
 */
import path from 'node:path';
import { CharterError } from '../../core/errors.js';
import { KeyBackends } from '../../hsm/registry.js';
import { DEFAULT_SCRYPT, SoftwareKeystore, type ScryptParams } from '../../hsm/software.js';
import type { DeviceInfo, KeyBackend } from '../../hsm/types.js';
import type { Workspace } from '../workspace/workspace.js';

export const SETTING_PKCS11_MODULES = 'keys.pkcs11Modules';
export const SETTING_LEDGER_ENABLED = 'keys.ledgerEnabled';

export interface Pkcs11ModuleConfig {
  modulePath: string;
  tokenLabel?: string;
  slotId?: number;
}

export interface KeyBackendConfig {
  pkcs11: Pkcs11ModuleConfig[];
  ledger: boolean;
}

export interface KeyBackendOptions {
  /** PKCS#11 modules given on the command line or by the embedding code. */
  pkcs11Modules?: (string | Pkcs11ModuleConfig)[];
  /** Enable Ledger devices (default: setting or $CHARTER_LEDGER). */
  ledger?: boolean;
  /** Extra, already-built backends (tests: an emulated Ledger transport). */
  extra?: KeyBackend[];
}

export function resolveKeyBackendConfig(ws: Workspace, opts: KeyBackendOptions, env: NodeJS.ProcessEnv = process.env): KeyBackendConfig {
  const out: Pkcs11ModuleConfig[] = [];
  const seen = new Set<string>();
  const addModule = (m: string | Pkcs11ModuleConfig): void => {
    const c = typeof m === 'string' ? { modulePath: m } : m;
    if (!c.modulePath || seen.has(c.modulePath)) return;
    seen.add(c.modulePath);
    out.push(c);
  };
  for (const m of opts.pkcs11Modules ?? []) addModule(m);
  for (const m of (env['CHARTER_PKCS11_MODULE'] ?? '').split(path.delimiter)) if (m.trim()) addModule({ modulePath: m.trim(), ...(env['CHARTER_PKCS11_TOKEN'] ? { tokenLabel: env['CHARTER_PKCS11_TOKEN'] } : {}) });
  for (const m of ws.getSetting<string[]>(SETTING_PKCS11_MODULES) ?? []) addModule(m);
  const ledger = opts.ledger ?? (env['CHARTER_LEDGER'] === '1' || ws.getSetting<boolean>(SETTING_LEDGER_ENABLED) === true);
  return { pkcs11: out, ledger };
}

/** A stand-in for a backend that could not be built: one device in state 'error', no keys. */
export class UnavailableBackend implements KeyBackend {
  constructor(
    readonly kind: KeyBackend['kind'],
    private readonly name: string,
    private readonly error: CharterError,
  ) {}
  async devices(): Promise<DeviceInfo[]> {
    return [{ deviceId: `${this.kind}:${this.name}`, backend: this.kind, label: this.name, state: 'error', detail: `${this.error.code}: ${this.error.message}`, facts: { code: this.error.code } }];
  }
  async list() {
    return [];
  }
  async get(keyId: string): Promise<never> {
    throw new CharterError('KEY_NOT_FOUND', `no key ${keyId} on ${this.name}`);
  }
  async generate(): Promise<never> {
    throw this.error;
  }
  async sign(): Promise<never> {
    throw this.error;
  }
  async attest(): Promise<never> {
    throw this.error;
  }
}

function asCharterError(e: unknown, what: string): CharterError {
  return e instanceof CharterError ? e : new CharterError('NOT_AVAILABLE', `${what}: ${(e as Error)?.message ?? String(e)}`);
}

// The device backends are loaded on demand (native modules: pkcs11js, node-hid).
type Pkcs11Ctor = new (o: Pkcs11ModuleConfig) => KeyBackend;
type LedgerCtor = new (o: { store: string }) => KeyBackend;
export const backendLoaders: {
  pkcs11: () => Promise<Pkcs11Ctor>;
  ledger: () => Promise<LedgerCtor>;
} = {
  pkcs11: async () => (await import('../../hsm/pkcs11.js')).Pkcs11Backend,
  ledger: async () => (await import('../../hsm/ledger.js')).LedgerBackend,
};

/** Hot-plug watchers (Ledger) by backend, stopped when the backend is closed. */
const watchers = new WeakMap<KeyBackend, () => void>();

/** Release a backend's device sessions (PKCS#11 C_Finalize, Ledger transports) if it holds any. */
export async function closeBackend(b: KeyBackend): Promise<void> {
  watchers.get(b)?.();
  watchers.delete(b);
  const c = (b as { close?: () => unknown }).close;
  if (typeof c === 'function') {
    try {
      await c.call(b);
    } catch {
      // closing is best effort
    }
  }
}

/** Build and add the configured device backends (the software keystore is added by the caller). */
export async function addDeviceBackends(
  registry: KeyBackends,
  config: KeyBackendConfig,
  ws: Workspace,
  log: (level: 'info' | 'warn', msg: string) => void,
  /** Watch for Ledgers plugged in or out and tell the registry's listeners (UI hosts). */
  watch = false,
): Promise<KeyBackend[]> {
  const added: KeyBackend[] = [];
  for (const m of config.pkcs11) {
    const name = path.basename(m.modulePath);
    let b: KeyBackend;
    try {
      const Ctor = await backendLoaders.pkcs11();
      b = new Ctor(m);
      log('info', `PKCS#11 module ${m.modulePath} loaded${m.tokenLabel ? ` (token "${m.tokenLabel}")` : ''}`);
    } catch (e) {
      const err = asCharterError(e, `PKCS#11 module ${m.modulePath} could not be loaded`);
      log('warn', `${err.code}: ${err.message}`);
      b = new UnavailableBackend('pkcs11', name, err);
    }
    registry.add(b, m.modulePath);
    added.push(b);
  }
  if (config.ledger) {
    let b: KeyBackend;
    try {
      const Ctor = await backendLoaders.ledger();
      b = new Ctor({ store: path.join(ws.dir, 'ledger-keys.json') });
      log('info', 'Ledger devices enabled');
      const w = (b as { watch?: (cb: (d: DeviceInfo[]) => void) => () => void }).watch;
      if (watch && typeof w === 'function') {
        watchers.set(b, w.call(b, (devices) => registry.emit(`Ledger devices: ${devices.map((d) => `${d.label} ${d.state}`).join(', ') || 'none'}`)));
      }
    } catch (e) {
      const err = asCharterError(e, 'Ledger support could not be loaded');
      log('warn', `${err.code}: ${err.message}`);
      b = new UnavailableBackend('ledger', 'ledger', err);
    }
    registry.add(b, 'ledger');
    added.push(b);
  }
  return added;
}

/** The software keystore plus the configured device backends, without a node (the CLI's offline verbs). */
export async function buildKeyBackends(
  ws: Workspace,
  opts: KeyBackendOptions & { scrypt?: ScryptParams },
  log: (level: 'info' | 'warn', msg: string) => void,
): Promise<{ registry: KeyBackends; devices: KeyBackend[] }> {
  const registry = new KeyBackends([new SoftwareKeystore(ws.keystoreDir, opts.scrypt ?? DEFAULT_SCRYPT)]);
  const devices = await addDeviceBackends(registry, resolveKeyBackendConfig(ws, opts), ws, log);
  for (const b of opts.extra ?? []) registry.add(b);
  return { registry, devices };
}
