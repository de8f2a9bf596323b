/**
 * How the PKCS#11 backend reaches a module: the calls it makes, as promises,
 * served either by a worker thread per module (default) or on the calling
 * thread.
 *
 *   worker   one worker_thread per module path loads pkcs11js and the module
 *            and runs every call, synchronously, in order, there: a slow token
 *            (a network HSM's C_Login or C_FindObjects, a smart card's C_Sign)
 *            never blocks the main thread — the Electron main process or the
 *            `charter serve` host. Arguments and results cross by structured
 *            clone (Buffers arrive as Uint8Arrays and are turned back into
 *            Buffers); errors cross as {name, message, code, method}, so a
 *            Pkcs11Error keeps its CKR code. The PIN crosses to the worker in
 *            memory only, inside the C_Login message.
 *   inline   pkcs11js on the calling thread; C_GenerateKeyPair and C_Sign use
 *            its *Async variants (libuv's thread pool), the rest blocks briefly.
 *
 * A module is C_Initialize'd once per process (with CKF_OS_LOCKING_OK) and
 * shared, reference-counted, by every backend on the same path; the last
 * release() calls C_Finalize (and ends the worker).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import pkcs11js from 'pkcs11js';
import type { Handle, KeyPair, Mechanism, ModuleInfo, PKCS11, Template, TokenInfo } from 'pkcs11js';
import { CharterError } from '../core/errors.js';
import { checkModulePath } from './module-path.js';

/** The PKCS#11 functions the backend uses, as promises. */
export interface Pkcs11Calls {
  C_GetInfo(): Promise<ModuleInfo>;
  C_GetSlotList(tokenPresent: boolean): Promise<Handle[]>;
  C_GetTokenInfo(slot: Handle): Promise<TokenInfo>;
  C_GetMechanismList(slot: Handle): Promise<number[]>;
  C_OpenSession(slot: Handle, flags: number): Promise<Handle>;
  C_CloseSession(session: Handle): Promise<void>;
  C_Login(session: Handle, userType: number, pin?: string): Promise<void>;
  C_Logout(session: Handle): Promise<void>;
  C_FindObjectsInit(session: Handle, template: Template): Promise<void>;
  C_FindObjects(session: Handle, maxObjectCount: number): Promise<Handle[]>;
  C_FindObjectsFinal(session: Handle): Promise<void>;
  C_GetAttributeValue(session: Handle, object: Handle, template: Template): Promise<Template>;
  C_SetAttributeValue(session: Handle, object: Handle, template: Template): Promise<void>;
  C_GenerateKeyPair(session: Handle, mechanism: Mechanism, publicTemplate: Template, privateTemplate: Template): Promise<KeyPair>;
  C_SignInit(session: Handle, mechanism: Mechanism, key: Handle): Promise<void>;
  C_Sign(session: Handle, data: Buffer, out: Buffer): Promise<Buffer>;
  C_DestroyObject(session: Handle, object: Handle): Promise<void>;
}

export const PKCS11_CALLS: readonly (keyof Pkcs11Calls)[] = [
  'C_GetInfo',
  'C_GetSlotList',
  'C_GetTokenInfo',
  'C_GetMechanismList',
  'C_OpenSession',
  'C_CloseSession',
  'C_Login',
  'C_Logout',
  'C_FindObjectsInit',
  'C_FindObjects',
  'C_FindObjectsFinal',
  'C_GetAttributeValue',
  'C_SetAttributeValue',
  'C_GenerateKeyPair',
  'C_SignInit',
  'C_Sign',
  'C_DestroyObject',
];

export type Pkcs11Thread = 'worker' | 'inline';

/** A module opened for one backend; release() once when done. */
export interface OpenModule {
  calls: Pkcs11Calls;
  /** Resolves when the module is released (and finalised, if this was its last client). */
  release(): Promise<void>;
}

/** An error as pkcs11js raises it (name Pkcs11Error, numeric CKR code, function name). */
export function pkcs11ErrorLike(name: string, message: string, code: number | undefined, method: string | undefined): Error {
  const e = new Error(message) as Error & { code?: number; method?: string };
  e.name = name;
  if (code !== undefined) e.code = code;
  if (method !== undefined) e.method = method;
  return e;
}

/** Uint8Arrays (as structured clone delivers Buffers) back to Buffers, deeply. */
function revive(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = revive(x);
    return out;
  }
  return v;
}

// The worker's code: plain JavaScript, run with `eval` so it needs no build step.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const pkcs11js = require(workerData.pkcs11js);
const revive = (v) => {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  return v;
};
const errorOf = (e) => ({ name: String(e && e.name || 'Error'), message: String(e && e.message || e).split('\n')[0], code: typeof (e && e.code) === 'number' ? e.code : undefined, method: typeof (e && e.method) === 'string' ? e.method : undefined });
const lib = new pkcs11js.PKCS11();
let stage = 'load';
try {
  lib.load(workerData.modulePath);
  stage = 'init';
  try {
    try { lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK }); }
    catch (e) { if (e && e.code === pkcs11js.CKR_CANT_LOCK) lib.C_Initialize(); else throw e; }
  } catch (e) {
    // Initialised already in this process (by another thread mode or pkcs11js user): usable as is.
    if (!(e && e.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw e;
  }
  parentPort.postMessage({ ready: true });
} catch (e) {
  parentPort.postMessage({ ready: false, error: errorOf(e), stage });
}
const ALLOWED = new Set(workerData.calls);
parentPort.on('message', (m) => {
  if (m.end) {
    if (m.finalize) try { lib.C_Finalize(); } catch (e) {}
    try { lib.close(); } catch (e) {}
    parentPort.postMessage({ finalized: true });
    return;
  }
  const { id, method, args } = m;
  try {
    if (!ALLOWED.has(method)) throw new Error('not a PKCS#11 call of this backend: ' + method);
    const result = lib[method](...revive(args));
    parentPort.postMessage({ id, result });
  } catch (e) {
    parentPort.postMessage({ id, error: errorOf(e) });
  }
});
`;

interface Entry {
  refs: number;
  calls: Pkcs11Calls;
  ready: Promise<void>;
  /** Ends this client; C_Finalize too when `finalize` (no other client of the module is left). Resolves when done. */
  end(finalize: boolean): Promise<void>;
}
const modules = new Map<string, Entry>();
/** Per module path: the end of clients being released, which a new client waits for (C_Finalize before C_Initialize). */
const ending = new Map<string, Promise<void>>();
const key = (modulePath: string, thread: Pkcs11Thread) => `${thread}\0${modulePath}`;
const anyOther = (modulePath: string) => [...modules.keys()].some((k) => k.endsWith(`\0${modulePath}`));

function moduleError(modulePath: string, stage: 'load' | 'init', message: string): CharterError {
  return new CharterError(
    'PKCS11_MODULE_ERROR',
    stage === 'load' ? `cannot load the PKCS#11 module ${modulePath}: ${message}` : `the PKCS#11 module ${modulePath} did not initialise: ${message}`,
    { modulePath },
  );
}

function workerEntry(modulePath: string): Entry {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { modulePath, pkcs11js: require.resolve('pkcs11js'), calls: PKCS11_CALLS },
  });
  // Referenced (keeps the process alive) while it starts and while a call is pending; idle, it does not.
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let dead: CharterError | null = null;
  let onReady!: (err: CharterError | null) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = (err) => (err ? reject(err) : resolve());
  });
  ready.catch(() => undefined);
  const failAll = (err: CharterError) => {
    dead = err;
    onReady(err);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker.unref();
  };
  worker.on(
    'message',
    (m: {
      ready?: boolean;
      stage?: 'load' | 'init';
      id?: number;
      result?: unknown;
      error?: { name: string; message: string; code?: number; method?: string };
    }) => {
      if (m.ready !== undefined) {
        onReady(m.ready ? null : moduleError(modulePath, m.stage ?? 'load', m.error?.message ?? 'unknown error'));
        if (pending.size === 0) worker.unref();
        return;
      }
      if (m.id === undefined) return;
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (pending.size === 0) worker.unref();
      if (m.error) p.reject(pkcs11ErrorLike(m.error.name, m.error.message, m.error.code, m.error.method));
      else p.resolve(revive(m.result));
    },
  );
  worker.on('error', (e) =>
    failAll(new CharterError('PKCS11_MODULE_ERROR', `the worker of the PKCS#11 module ${modulePath} failed: ${e.message.split('\n')[0]}`, { modulePath })),
  );
  worker.on('exit', (code) => {
    if (!dead) failAll(new CharterError('PKCS11_MODULE_ERROR', `the worker of the PKCS#11 module ${modulePath} stopped (exit code ${code})`, { modulePath }));
  });
  const call = async (method: keyof Pkcs11Calls, args: unknown[]): Promise<unknown> => {
    await ready;
    if (dead) throw dead;
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, method, args });
    });
  };
  const calls = Object.fromEntries(PKCS11_CALLS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Pkcs11Calls;
  return {
    refs: 0,
    calls,
    ready,
    async end(finalize) {
      if (dead) {
        await worker.terminate();
        return;
      }
      dead = new CharterError('PKCS11_MODULE_ERROR', `the PKCS#11 module ${modulePath} was released`, { modulePath });
      // C_Finalize in the worker (its answer is the last message), then end it.
      worker.ref();
      await new Promise<void>((resolve) => {
        // Answers to calls still in flight may come first; wait for the worker's own "finalized".
        const onMessage = (m: { finalized?: boolean }) => {
          if (m?.finalized) done();
        };
        const done = () => {
          worker.off('message', onMessage);
          worker.off('exit', done);
          resolve();
        };
        worker.on('message', onMessage);
        worker.once('exit', done);
        worker.postMessage({ end: true, finalize });
      });
      await worker.terminate();
    },
  };
}

function inlineEntry(modulePath: string): Entry {
  const lib: PKCS11 = new pkcs11js.PKCS11();
  let failure: CharterError | null = null;
  try {
    lib.load(modulePath);
  } catch (e) {
    failure = moduleError(modulePath, 'load', e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e));
  }
  if (!failure) {
    try {
      try {
        lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      } catch (e) {
        if ((e as { code?: number }).code === pkcs11js.CKR_CANT_LOCK) lib.C_Initialize();
        else throw e;
      }
    } catch (e) {
      if ((e as { code?: number }).code !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        failure = moduleError(modulePath, 'init', e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e));
      }
    }
  }
  const sync =
    (m: keyof Pkcs11Calls) =>
    async (...args: unknown[]) =>
      (lib[m] as (...a: unknown[]) => unknown)(...args);
  const calls = Object.fromEntries(PKCS11_CALLS.map((m) => [m, sync(m)])) as unknown as Pkcs11Calls;
  // The calls that take time on a real token: on libuv's thread pool.
  calls.C_GenerateKeyPair = (s, mech, pub, priv) => lib.C_GenerateKeyPairAsync(s, mech, pub, priv);
  calls.C_Sign = (s, data, out) => lib.C_SignAsync(s, data, out);
  return {
    refs: 0,
    calls,
    ready: failure ? Promise.reject(failure) : Promise.resolve(),
    async end(finalize) {
      if (failure) return;
      if (finalize) {
        try {
          lib.C_Finalize();
        } catch {
          /* best effort */
        }
      }
      try {
        lib.close();
      } catch {
        /* idem */
      }
    },
  };
}

/**
 * Opens (or shares) the module at `givenPath`: resolves once it is loaded
 * and initialised; PKCS11_MODULE_REFUSED if the path breaks a rule of
 * hsm/module-path.ts, PKCS11_MODULE_ERROR if it cannot be loaded. Modules are
 * shared by their resolved path.
 */
export async function openModule(givenPath: string, thread: Pkcs11Thread): Promise<OpenModule> {
  // Only a library that passes the path rules is loaded, and by its resolved path (hsm/module-path.ts).
  const modulePath = checkModulePath(givenPath);
  const k = key(modulePath, thread);
  if (!modules.has(k)) await ending.get(modulePath);
  let entry = modules.get(k);
  if (!entry) {
    entry = thread === 'worker' ? workerEntry(modulePath) : inlineEntry(modulePath);
    modules.set(k, entry);
  }
  entry.refs++;
  const e = entry;
  try {
    await e.ready;
  } catch (err) {
    e.refs--;
    if (e.refs === 0 && modules.get(k) === e) {
      modules.delete(k);
      void e.end(false);
    }
    throw err;
  }
  let released = false;
  return {
    calls: e.calls,
    release() {
      if (released) return Promise.resolve();
      released = true;
      e.refs--;
      if (e.refs > 0) return Promise.resolve();
      modules.delete(k);
      // C_Finalize is per process: only when no other thread mode still uses this module.
      const done = e.end(!anyOther(modulePath));
      const chained = Promise.all([ending.get(modulePath), done]).then(() => undefined);
      ending.set(modulePath, chained);
      void chained.then(() => {
        if (ending.get(modulePath) === chained) ending.delete(modulePath);
      });
      return chained;
    },
  };
}
