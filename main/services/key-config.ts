/**
 * Which key backends a console uses, and building them.
 *
 *   - the software keystore of the workspace: always;
 *   - PKCS#11 modules (shared libraries: SoftHSM2, a real HSM, a smart card),
 *     from places the operator controls outside the console's contract, in
 *     this order, without duplicates:
 *       1. the command line: `--pkcs11-module` (`--module` on `charter keys`),
 *          or the embedding code's createCharter option;
 *       2. the environment: $CHARTER_PKCS11_MODULE (several separated by the
 *          platform's path delimiter; $CHARTER_PKCS11_TOKEN narrows them to
 *          one token label);
 *       3. the configuration file `<workspace>/config.json`
 *          ({"pkcs11": {"modules": [{"path", "tokenLabel"?, "slotId"?}]}}),
 *          which the operator edits with an editor; the console never writes it.
 *     No contract call can add one: `settings.set` has no such field. A
 *     `keys.pkcs11Modules` value left in a workspace database by an older
 *     console is ignored, with a warning on the Output panel.
 *     Each path must pass the rules of hsm/module-path.ts (absolute, a regular
 *     file, not writable by anyone but its owner, root or the operator) before
 *     it is loaded; a refused one shows as a device in state 'error' with
 *     PKCS11_MODULE_REFUSED;
 *   - Ledger devices: when the option says so, $CHARTER_LEDGER=1, or the
 *     `keys.ledgerEnabled` setting is true (it loads no library of anyone's
 *     choosing: the HID driver is part of the console).
 *
 * A module that fails to load does not stop the console: it is reported on
 * the Output panel and shows as a device in state 'error'.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CharterError } from '../../core/errors.js';
import { checkModulePath } from '../../hsm/module-path.js';
import { KeyBackends } from '../../hsm/registry.js';
import { DEFAULT_SCRYPT, SoftwareKeystore, type ScryptParams } from '../../hsm/software.js';
import type { DeviceInfo, KeyBackend } from '../../hsm/types.js';
import type { Workspace } from '../workspace/workspace.js';

/** Written by consoles that let `settings.set` choose modules; now only read, to warn that it is ignored. */
export const LEGACY_SETTING_PKCS11_MODULES = 'keys.pkcs11Modules';
export const SETTING_LEDGER_ENABLED = 'keys.ledgerEnabled';
/** The configuration file of a workspace, edited by the operator outside the console. */
export const CONFIG_FILE = 'config.json';
export const ENV_PKCS11_MODULE = 'CHARTER_PKCS11_MODULE';
export const ENV_PKCS11_TOKEN = 'CHARTER_PKCS11_TOKEN';

export type Pkcs11ModuleSource = 'command-line' | 'environment' | 'config-file';

export interface Pkcs11ModuleConfig {
  modulePath: string;
  tokenLabel?: string;
  slotId?: number;
}

/** A configured module and where it was configured. */
export interface Pkcs11ModuleEntry extends Pkcs11ModuleConfig {
  source: Pkcs11ModuleSource;
  /** Exactly where: "--pkcs11-module", "$CHARTER_PKCS11_MODULE" or the configuration file's path. */
  origin: string;
  /** Why it is not in use (set when the backends are built): the refusal or load error. */
  problem?: { code: string; message: string };
}

export interface KeyBackendConfig {
  pkcs11: Pkcs11ModuleEntry[];
  ledger: boolean;
  /** Why the configuration file was not used, if it was not. */
  configProblem?: CharterError;
}

export interface KeyBackendOptions {
  /** PKCS#11 modules given on the command line or by the embedding code. */
  pkcs11Modules?: (string | Pkcs11ModuleConfig)[];
  /** Enable Ledger devices (default: setting or $CHARTER_LEDGER). */
  ledger?: boolean;
  /** Extra, already-built backends (tests: an emulated Ledger transport). */
  extra?: KeyBackend[];
}

const ConfigFile = z
  .object({
    pkcs11: z
      .object({
        modules: z
          .array(
            z
              .object({
                path: z.string().min(1).max(4096),
                tokenLabel: z.string().min(1).max(32).optional(),
                slotId: z.number().int().nonnegative().optional(),
              })
              .strict(),
          )
          .max(16),
      })
      .strict()
      .optional(),
  })
  .passthrough();

/** The path of a workspace's configuration file. */
export function configFileOf(ws: Pick<Workspace, 'dir'>): string {
  return path.join(ws.dir, CONFIG_FILE);
}

/**
 * The PKCS#11 modules of the configuration file (none if there is no file).
 * CONFIG_INVALID if it is not a regular file, others may write it, or it is
 * not valid JSON of the expected shape: a file anyone else can change could
 * name any library.
 */
export function readConfigFile(file: string): Pkcs11ModuleConfig[] {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CharterError('CONFIG_INVALID', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  if (st.isSymbolicLink()) st = fs.statSync(file);
  if (!st.isFile()) throw new CharterError('CONFIG_INVALID', `${file} is not a regular file; it was ignored`, { file });
  if (process.platform !== 'win32') {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    if ((st.mode & 0o022) !== 0)
      throw new CharterError(
        'CONFIG_INVALID',
        `${file} is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode 0${(st.mode & 0o777).toString(8)}); it was ignored: chmod go-w it`,
        { file },
      );
    if (st.uid !== 0 && st.uid !== uid)
      throw new CharterError('CONFIG_INVALID', `${file} belongs to user ${st.uid}, neither root nor the user running the console; it was ignored`, { file });
  }
  if (st.size > 256 * 1024) throw new CharterError('CONFIG_INVALID', `${file} is larger than 256 KiB; it was ignored`, { file });
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CharterError('CONFIG_INVALID', `${file} is not valid JSON (${(e as Error).message}); it was ignored`, { file });
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new CharterError('CONFIG_INVALID', `${file} is not a console configuration (${problems.join('; ')}); it was ignored`, { file, problems });
  }
  return (parsed.data.pkcs11?.modules ?? []).map((m) => ({
    modulePath: m.path,
    ...(m.tokenLabel !== undefined ? { tokenLabel: m.tokenLabel } : {}),
    ...(m.slotId !== undefined ? { slotId: m.slotId } : {}),
  }));
}

/** The Output warning for a module list left in the workspace database by an older console, or null. */
export function legacyModulesWarning(ws: Workspace): string | null {
  const old = ws.getSetting<unknown>(LEGACY_SETTING_PKCS11_MODULES);
  if (!Array.isArray(old) || old.length === 0) return null;
  return (
    `the workspace setting ${LEGACY_SETTING_PKCS11_MODULES} (${old.length} module path${old.length === 1 ? '' : 's'}) is ignored: ` +
    `PKCS#11 modules are no longer chosen from the console. Configure them in ${configFileOf(ws)} ` +
    `({"pkcs11": {"modules": [{"path": "/usr/lib/softhsm/libsofthsm2.so"}]}}), with $${ENV_PKCS11_MODULE}, or with --pkcs11-module (docs/keys-and-devices.md)`
  );
}

export function resolveKeyBackendConfig(ws: Workspace, opts: KeyBackendOptions, env: NodeJS.ProcessEnv = process.env): KeyBackendConfig {
  const out: Pkcs11ModuleEntry[] = [];
  const seen = new Set<string>();
  const addModule = (m: string | Pkcs11ModuleConfig, source: Pkcs11ModuleSource, origin: string): void => {
    const c = typeof m === 'string' ? { modulePath: m } : m;
    if (!c.modulePath || seen.has(c.modulePath)) return;
    seen.add(c.modulePath);
    out.push({ ...c, source, origin });
  };
  for (const m of opts.pkcs11Modules ?? []) addModule(m, 'command-line', '--pkcs11-module');
  const token = env[ENV_PKCS11_TOKEN];
  for (const m of (env[ENV_PKCS11_MODULE] ?? '').split(path.delimiter))
    if (m.trim()) addModule({ modulePath: m.trim(), ...(token ? { tokenLabel: token } : {}) }, 'environment', `$${ENV_PKCS11_MODULE}`);
  const file = configFileOf(ws);
  let configProblem: CharterError | undefined;
  try {
    for (const m of readConfigFile(file)) addModule(m, 'config-file', file);
  } catch (e) {
    if (!(e instanceof CharterError)) throw e;
    configProblem = e;
  }
  const ledger = opts.ledger ?? (env['CHARTER_LEDGER'] === '1' || ws.getSetting<boolean>(SETTING_LEDGER_ENABLED) === true);
  return { pkcs11: out, ledger, ...(configProblem ? { configProblem } : {}) };
}

/** A stand-in for a backend that could not be built: one device in state 'error', no keys. */
export class UnavailableBackend implements KeyBackend {
  constructor(
    readonly kind: KeyBackend['kind'],
    private readonly name: string,
    private readonly error: CharterError,
    /** Public facts shown on the device entry (module path, where it was configured). */
    private readonly facts: Record<string, string> = {},
  ) {}
  async devices(): Promise<DeviceInfo[]> {
    return [
      {
        deviceId: `${this.kind}:${this.name}`,
        backend: this.kind,
        label: this.name,
        state: 'error',
        detail: `${this.error.code}: ${this.error.message}`,
        facts: { ...this.facts, code: this.error.code },
      },
    ];
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
  const legacy = legacyModulesWarning(ws);
  if (legacy) log('warn', legacy);
  if (config.configProblem) {
    const err = config.configProblem;
    log('warn', `${err.code}: ${err.message}`);
    const b = new UnavailableBackend('pkcs11', CONFIG_FILE, err, { file: configFileOf(ws) });
    registry.add(b, configFileOf(ws));
    added.push(b);
  }
  for (const m of config.pkcs11) {
    const name = path.basename(m.modulePath);
    const where = { module: m.modulePath, source: m.source, origin: m.origin };
    let b: KeyBackend;
    try {
      // The path rules first: a refused library is never handed to the loader.
      checkModulePath(m.modulePath);
      const Ctor = await backendLoaders.pkcs11();
      b = new Ctor({
        modulePath: m.modulePath,
        ...(m.tokenLabel !== undefined ? { tokenLabel: m.tokenLabel } : {}),
        ...(m.slotId !== undefined ? { slotId: m.slotId } : {}),
      });
      delete m.problem;
      log('info', `PKCS#11 module ${m.modulePath} (from ${m.origin}) in use${m.tokenLabel ? ` (token "${m.tokenLabel}")` : ''}`);
    } catch (e) {
      const err = asCharterError(e, `PKCS#11 module ${m.modulePath} could not be loaded`);
      m.problem = { code: err.code, message: err.message };
      log('warn', `${err.code}: ${err.message} (configured by ${m.origin})`);
      b = new UnavailableBackend('pkcs11', name, err, where);
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
        watchers.set(
          b,
          w.call(b, (devices) => registry.emit(`Ledger devices: ${devices.map((d) => `${d.label} ${d.state}`).join(', ') || 'none'}`)),
        );
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
