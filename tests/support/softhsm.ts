/**
 * SoftHSM2 tokens for tests: a real PKCS#11 module (Debian's `softhsm2`,
 * /usr/lib/softhsm/libsofthsm2.so) with its token store in a temp directory.
 *
 * How SoftHSM finds its tokens: the module reads the file named by the
 * environment variable SOFTHSM2_CONF (else /etc/softhsm/softhsm2.conf) when
 * C_Initialize is called — i.e. on the first call of a Pkcs11Backend — and
 * re-reads it after a C_Finalize. So SOFTHSM2_CONF must be set in this
 * process's environment before the module is initialised; Node's
 * process.env writes through to the C environment, so setting it from a test
 * is enough. makeSoftHsmToken does that by default (setEnv) and cleanup()
 * restores the previous value. Vitest runs each test file in its own
 * process, so one file's tokens are invisible to another's. A child process
 * (the `charter` CLI, a served host) needs SOFTHSM2_CONF=tok.conf in the
 * environment it is given. A module already initialised in this process keeps
 * the configuration it read: close every Pkcs11Backend on it (await close())
 * before pointing SOFTHSM2_CONF elsewhere.
 *
 *   const tok = await makeSoftHsmToken({ label: 'ops', soPin: '87654321', userPin: '123456' });
 *   const backend = new Pkcs11Backend({ modulePath: tok.modulePath, tokenLabel: 'ops' });
 *   …
 *   backend.close(); tok.cleanup();
 *
 * readTokenKey() reads a key's attributes from the token in a separate
 * process with its own raw pkcs11js session: evidence from the token itself,
 * independent of the backend under test. pkcs11ToolObjects() asks OpenSC's
 * pkcs11-tool (Debian's package "opensc") for the token's objects, as an
 * operator would check them.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const SOFTHSM_MODULE = process.env.CHARTER_SOFTHSM_MODULE || '/usr/lib/softhsm/libsofthsm2.so';
export const SOFTHSM_UTIL = 'softhsm2-util';
export const PKCS11_TOOL = 'pkcs11-tool';

export interface SoftHsmToken {
  /** The softhsm2.conf written for this token store. */
  conf: string;
  /** The temp directory (conf file and tokens/). */
  dir: string;
  /** The token store directory (directories.tokendir). */
  tokenDir: string;
  modulePath: string;
  label: string;
  /** Token serial as softhsm2-util assigned it (deviceId "pkcs11:<serial>"). */
  serial: string;
  /** Removes the temp directory and restores SOFTHSM2_CONF. */
  cleanup(): void;
}

export interface SoftHsmOptions {
  label: string;
  soPin: string;
  userPin: string;
  /**
   * `slots.mechanisms` of softhsm2.conf; default ALL. A leading "-" makes it a
   * list of mechanisms to remove — but SoftHSM 2.6.1 ignores the FIRST name of
   * such a list, so put a throw-away one first: "-CKM_MD5,CKM_EC_EDWARDS_KEY_PAIR_GEN,CKM_EDDSA"
   * is a token without EdDSA.
   */
  mechanisms?: string;
  /** Set process.env.SOFTHSM2_CONF to this conf (default true). */
  setEnv?: boolean;
  /** Reuse this directory's token store (to add a second token to it) instead of a new temp directory. */
  dir?: string;
}

/** Whether SoftHSM2 (module and softhsm2-util) is installed. */
export function softHsmAvailable(): boolean {
  if (!fs.existsSync(SOFTHSM_MODULE)) return false;
  return spawnSync(SOFTHSM_UTIL, ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function makeSoftHsmToken(opts: SoftHsmOptions): Promise<SoftHsmToken> {
  if (!softHsmAvailable()) {
    throw new Error(`SoftHSM2 is not installed (${SOFTHSM_MODULE}, ${SOFTHSM_UTIL}): install Debian's package "softhsm2" (npm test does it when run as root)`);
  }
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'charter-softhsm-'));
  const tokenDir = path.join(dir, 'tokens');
  fs.mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(
    conf,
    [
      '# written by tests/support/softhsm.ts',
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = false',
      `slots.mechanisms = ${opts.mechanisms ?? 'ALL'}`,
      'library.reset_on_fork = false',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  // PINs go on softhsm2-util's command line: test PINs only.
  const { stdout } = await promisify(execFile)(SOFTHSM_UTIL, ['--init-token', '--free', '--label', opts.label, '--so-pin', opts.soPin, '--pin', opts.userPin], {
    env,
  });
  const shown = await promisify(execFile)(SOFTHSM_UTIL, ['--show-slots'], { env });
  const serial = serialOf(shown.stdout, opts.label);
  if (!serial) throw new Error(`softhsm2-util made no token "${opts.label}": ${stdout.trim()}`);
  const previous = process.env.SOFTHSM2_CONF;
  if (opts.setEnv !== false) process.env.SOFTHSM2_CONF = conf;
  let cleaned = false;
  return {
    conf,
    dir,
    tokenDir,
    modulePath: SOFTHSM_MODULE,
    label: opts.label,
    serial,
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      if (opts.setEnv !== false) {
        if (previous === undefined) delete process.env.SOFTHSM2_CONF;
        else process.env.SOFTHSM2_CONF = previous;
      }
      if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The serial of the token labelled `label` in `softhsm2-util --show-slots` output. */
function serialOf(showSlots: string, label: string): string | null {
  for (const block of showSlots.split(/\n(?=Slot )/)) {
    const l = /^\s*Label:\s*(.*?)\s*$/m.exec(block)?.[1];
    const s = /^\s*Serial number:\s*(\S+)\s*$/m.exec(block)?.[1];
    if (l === label && s) return s;
  }
  return null;
}

/** The token directory (under tokenDir) holding the token with this serial. */
export function tokenDirOf(tok: SoftHsmToken): string {
  for (const name of fs.readdirSync(tok.tokenDir)) {
    // SoftHSM names a token's directory by a UUID whose last 16 hex digits are the serial.
    if (name.replace(/-/g, '').endsWith(tok.serial)) return path.join(tok.tokenDir, name);
  }
  throw new Error(`no directory for token ${tok.serial} in ${tok.tokenDir}`);
}

/** Attributes of one object as read by a raw pkcs11js session: booleans, hex strings, or null when unreadable. */
export type RawAttributes = Record<string, boolean | string | null>;

export interface RawKey {
  privateKey: RawAttributes[];
  publicKey: RawAttributes[];
}

const READER = String.raw`
const pkcs11js = require(process.env.P11_PKCS11JS);
const lib = new pkcs11js.PKCS11();
lib.load(process.env.P11_MODULE);
lib.C_Initialize();
try {
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === process.env.P11_LABEL);
  if (!slot) throw new Error('no token ' + process.env.P11_LABEL);
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  lib.C_Login(session, pkcs11js.CKU_USER, process.env.P11_PIN);
  const BOOLS = ['CKA_TOKEN', 'CKA_PRIVATE', 'CKA_SENSITIVE', 'CKA_EXTRACTABLE', 'CKA_LOCAL', 'CKA_NEVER_EXTRACTABLE', 'CKA_ALWAYS_SENSITIVE', 'CKA_SIGN', 'CKA_VERIFY', 'CKA_MODIFIABLE', 'CKA_DECRYPT', 'CKA_ENCRYPT', 'CKA_UNWRAP', 'CKA_WRAP', 'CKA_DERIVE', 'CKA_SIGN_RECOVER', 'CKA_VERIFY_RECOVER'];
  const BYTES = ['CKA_ID', 'CKA_LABEL', 'CKA_KEY_TYPE', 'CKA_EC_PARAMS', 'CKA_EC_POINT', 'CKA_VALUE'];
  const read = (h) => {
    const out = {};
    for (const name of [...BOOLS, ...BYTES]) {
      try {
        const v = lib.C_GetAttributeValue(session, h, [{ type: pkcs11js[name] }])[0].value;
        out[name] = BOOLS.includes(name) ? v[0] !== 0 : v.toString('hex');
      } catch (e) {
        out[name] = null; // absent or sensitive (CKR_ATTRIBUTE_SENSITIVE)
      }
    }
    return out;
  };
  const find = (cls) => {
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: cls }, { type: pkcs11js.CKA_ID, value: Buffer.from(process.env.P11_ID, 'hex') }]);
    const hs = lib.C_FindObjects(session, 16);
    lib.C_FindObjectsFinal(session);
    return hs.map(read);
  };
  const result = { privateKey: find(pkcs11js.CKO_PRIVATE_KEY), publicKey: find(pkcs11js.CKO_PUBLIC_KEY) };
  lib.C_Logout(session);
  lib.C_CloseSession(session);
  process.stdout.write(JSON.stringify(result));
} finally {
  lib.C_Finalize();
}
`;

/**
 * Reads the objects with CKA_ID = `ckaIdHex` from the token, in a separate
 * Node process with its own pkcs11js session (logged in with `pin`).
 */
export function readTokenKey(tok: Pick<SoftHsmToken, 'conf' | 'modulePath' | 'label'>, pin: string, ckaIdHex: string): RawKey {
  const require = createRequire(import.meta.url);
  const r = spawnSync(process.execPath, ['-e', READER], {
    env: {
      ...process.env,
      SOFTHSM2_CONF: tok.conf,
      P11_PKCS11JS: require.resolve('pkcs11js'),
      P11_MODULE: tok.modulePath,
      P11_LABEL: tok.label,
      P11_PIN: pin,
      P11_ID: ckaIdHex,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`raw pkcs11js reader failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as RawKey;
}

/** One object as `pkcs11-tool -O` prints it: its heading ("Private Key Object; EC") and its indented "name: value" lines. */
export interface ToolObject {
  heading: string;
  fields: Record<string, string>;
}

/**
 * The token's objects as OpenSC's `pkcs11-tool --module … --token-label … -O
 * --login --pin …` lists them (a separate process; the PIN is a test PIN on
 * its command line).
 */
export function pkcs11ToolObjects(tok: Pick<SoftHsmToken, 'conf' | 'modulePath' | 'label'>, pin: string): ToolObject[] {
  const r = spawnSync(PKCS11_TOOL, ['--module', tok.modulePath, '--token-label', tok.label, '-O', '--login', '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: tok.conf },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${PKCS11_TOOL} could not run (Debian's package "opensc"): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${PKCS11_TOOL} failed (${r.status}): ${r.stderr}`);
  const out: ToolObject[] = [];
  for (const line of r.stdout.split('\n')) {
    if (/^\S.*Object;/.test(line)) out.push({ heading: line.trim(), fields: {} });
    else {
      const m = /^\s+([A-Za-z_ ]+?):\s+(.*)$/.exec(line);
      if (m && out.length) out[out.length - 1]!.fields[m[1]!.trim()] = m[2]!.trim();
    }
  }
  return out;
}
