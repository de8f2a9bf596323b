// The console's bundle verifier against an independent one written from the
// format documents alone (tests/support/independent-verifier/, Python, its own
// cached virtualenv: tests/support/pyenv.ts). Both verify the same bundles with
// the same trust, and must give, for every bundle, the same list of
// [check id, verdict, reason] and the same overall verdict.
//
// The bundles: the three fixtures (tests/fixtures/bundle/*.zip); the Python
// corpus (tests/support/independent-verifier/corpus/generate.py: content and
// manifest forgeries, hostile zips, attestation variants, built from the public
// fixture keys per the documents, not by product code); and the TypeScript
// forgeries of tests/unit/bundle-forgery-kit.ts (written with writeZip).
//
// Runs: every bundle with the fixture trust file (a forgery with its own
// trust() with that one), every bundle without a trust file, the fixtures and
// attestation variants with each valid trust variant (corpus/trust.py), and
// each invalid trust variant, which both sides must refuse. verify_bundle.py
// runs once per trust file over all its bundles (one JSON line per bundle).
//
// Every disagreement is reported, in one assertion message per run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/codec/index.js';
import { trustFromJson, verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import type { TrustFileView } from '../../core/evidence/bundle/index.js';
import { ensureIndependentVerifierPyenv } from '../support/pyenv.js';
import { FORGERIES } from '../unit/bundle-forgery-kit.js';
import { fixtureTrust } from '../unit/bundle-kit.js';

const root = path.resolve(import.meta.dirname, '../..');
const IV_DIR = path.join(root, 'tests', 'support', 'independent-verifier');
const VERIFY = path.join(IV_DIR, 'verify_bundle.py');
const GENERATE = path.join(IV_DIR, 'corpus', 'generate.py');
const FIXTURES = path.join(root, 'tests', 'fixtures', 'bundle');
const FIXTURE_TRUST = path.join(FIXTURES, 'trust.json');

interface Bundle {
  /** Shown in messages: the corpus file name, `fixture:<name>` or `forgery:<name>`. */
  name: string;
  file: string;
  /** The trust file (JSON text) a forgery brings; undefined: the fixture trust file. */
  ownTrust?: string;
}
type Triple = [string, string, string];
interface Side {
  verdict: string;
  checks: { id: string; verdict: string; reason: string; detail?: string }[];
}

let python = '';
let setupSeconds = 0;
let tmp = '';
const fixtures: Bundle[] = [];
const corpus: Bundle[] = [];
const attVariants: Bundle[] = [];
const forgeries: Bundle[] = [];
let trustVariants: string[] = [];
const bytesCache = new Map<string, Uint8Array>();
const children = new Set<ChildProcess>();

function bytesOf(file: string): Uint8Array {
  let b = bytesCache.get(file);
  if (!b) bytesCache.set(file, (b = fs.readFileSync(file)));
  return b;
}

/** Run a python script; resolves with exit status, stdout and stderr. Killed after timeoutMs. */
function run(args: string[], timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const stderr = Buffer.concat(err).toString('utf8') + (signal ? `\n(killed by ${signal})` : '');
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** verify_bundle.py once over all `bundles` with `trustFile` (null: none). */
function independentRun(trustFile: string | null, bundles: Bundle[]) {
  return run([VERIFY, ...(trustFile ? ['--trust', trustFile] : []), ...bundles.map((b) => b.file)]);
}

/** Its output: file → its report. Throws unless it ran (exit 0) and printed one line per bundle. */
function independentResults(r: Awaited<ReturnType<typeof run>>, trustFile: string | null, bundles: Bundle[]): Map<string, Side> {
  if (r.status !== 0) throw new Error(`verify_bundle.py ${trustFile ? `--trust ${trustFile}` : '(no trust)'} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== bundles.length)
    throw new Error(`verify_bundle.py printed ${lines.length} lines for ${bundles.length} bundles:\n${r.stderr.slice(-3000)}`);
  const out = new Map<string, Side>();
  lines.forEach((l, i) => {
    const v = JSON.parse(l) as Side & { file: string };
    const want = (bundles[i] as Bundle).file;
    if (v.file !== want) throw new Error(`verify_bundle.py line ${i + 1} is for ${v.file}, expected ${want}`);
    out.set(v.file, v);
  });
  return out;
}

/** The console's verifier, in process, over the same bundles. A throw is a result too (it is compared, and differs). */
async function product(trust: TrustFileView | null, bundles: Bundle[]): Promise<Map<string, Side | { threw: string }>> {
  const out = new Map<string, Side | { threw: string }>();
  for (const b of bundles) {
    try {
      const r = await verifyBundleBytes(bytesOf(b.file), { trust });
      out.set(b.file, { verdict: r.verdict, checks: r.checks.map((c) => ({ id: c.id, verdict: c.verdict, reason: c.reason, detail: c.detail })) });
    } catch (e) {
      out.set(b.file, { threw: (e as Error).stack ?? String(e) });
    }
  }
  return out;
}

const triples = (s: Side): Triple[] => s.checks.map((c) => [c.id, c.verdict, c.reason]);
const show = (c: Side['checks'][number] | undefined) => (c ? `${c.verdict} ${c.reason}${c.detail ? ` (${c.detail.slice(0, 200)})` : ''}` : '(no such check)');

/** Every difference between the two sides for one bundle, one line each; [] when they agree. */
function differences(label: string, py: Side, ts: Side | { threw: string }): string[] {
  if ('threw' in ts) return [`${label}: the product threw: ${ts.threw.split('\n').slice(0, 3).join(' ')}; verifier: ${py.verdict}`];
  const out: string[] = [];
  if (py.verdict !== ts.verdict) out.push(`${label}: overall verdict — verifier: ${py.verdict} | product: ${ts.verdict}`);
  if (JSON.stringify(triples(py)) === JSON.stringify(triples(ts))) return out;
  const pm = new Map(py.checks.map((c) => [c.id, c]));
  const tm = new Map(ts.checks.map((c) => [c.id, c]));
  for (const id of new Set([...py.checks.map((c) => c.id), ...ts.checks.map((c) => c.id)])) {
    const a = pm.get(id);
    const b = tm.get(id);
    if (!a || !b || a.verdict !== b.verdict || a.reason !== b.reason) out.push(`${label}: ${id} — verifier: ${show(a)} | product: ${show(b)}`);
  }
  const po = py.checks.map((c) => c.id).join(',');
  const to = ts.checks.map((c) => c.id).join(',');
  if (po !== to) out.push(`${label}: check order — verifier: ${po} | product: ${to}`);
  return out;
}

/** Verify `bundles` on both sides with one trust file (the verifier runs while the product verifies) and return every difference. */
async function compare(trustLabel: string, trustFile: string | null, bundles: Bundle[]): Promise<string[]> {
  const pyRun = independentRun(trustFile, bundles);
  pyRun.catch(() => undefined); // awaited below; do not let an early rejection go unhandled
  const trust = trustFile ? trustFromJson(JSON.parse(fs.readFileSync(trustFile, 'utf8'))) : null;
  const ts = await product(trust, bundles);
  const py = independentResults(await pyRun, trustFile, bundles);
  return diffAll(trustLabel, bundles, py, ts);
}

function diffAll(trustLabel: string, bundles: Bundle[], py: Map<string, Side>, ts: Map<string, Side | { threw: string }>): string[] {
  return bundles.flatMap((b) => differences(`${b.name} [${trustLabel}]`, py.get(b.file) as Side, ts.get(b.file) as Side));
}

/** The product's refusal of a trust file as `charter bundle verify --trust` reads it (JSON.parse, trustFromJson); '' when it accepts it. */
function productRefusal(trustFile: string): string {
  try {
    trustFromJson(JSON.parse(fs.readFileSync(trustFile, 'utf8')));
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

function report(diffs: string[], n: number): string {
  return diffs.length === 0
    ? ''
    : `${diffs.length} disagreement(s) over ${n} bundle(s) between tests/support/independent-verifier/verify_bundle.py and verifyBundleBytes:\n  ${diffs.join('\n  ')}`;
}

/** Set up once: the venv, the corpus, the forgeries. A failure here fails every test with its message (vitest would mark them skipped). */
let setupError: unknown;
function ready(): void {
  if (setupError) throw setupError;
}

async function setup(): Promise<void> {
  const t0 = performance.now();
  python = ensureIndependentVerifierPyenv();
  setupSeconds = (performance.now() - t0) / 1000;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-independent-verifier-'));

  const gen = await run([GENERATE, path.join(tmp, 'corpus')]);
  if (gen.status !== 0) throw new Error(`corpus/generate.py exited ${gen.status}:\n${gen.stderr.slice(-3000)}`);
  const g = JSON.parse(gen.stdout) as { bundles: Record<string, string[]>; trust: string[] };
  for (const [set, files] of Object.entries(g.bundles)) {
    for (const file of files) {
      const b = { name: path.basename(file, '.zip'), file };
      corpus.push(b);
      if (set === 'attmuts') attVariants.push(b);
    }
  }
  trustVariants = g.trust;

  for (const f of fs
    .readdirSync(FIXTURES)
    .filter((n) => n.endsWith('.zip'))
    .sort())
    fixtures.push({ name: `fixture:${f}`, file: path.join(FIXTURES, f) });

  const dir = path.join(tmp, 'forgeries');
  fs.mkdirSync(dir);
  for (const [i, f] of FORGERIES.entries()) {
    const file = path.join(dir, `${String(i).padStart(2, '0')}-${f.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}.zip`);
    fs.writeFileSync(file, await writeZip(await f.files()));
    forgeries.push({ name: `forgery:${f.name}`, file, ...(f.trust ? { ownTrust: JSON.stringify(f.trust(), null, 2) } : {}) });
  }
}

beforeAll(async () => {
  try {
    await setup();
  } catch (e) {
    setupError = e;
  }
}, 600_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the independent verifier (written from docs/formats alone) and the console verifier agree check by check', () => {
  it('has its venv, its corpus and the forgeries', () => {
    ready();
    // Visible in the test output: how long the venv took (0 when cached) and what is compared.
    console.log(
      `independent verifier: venv ${setupSeconds.toFixed(1)} s; ${fixtures.length} fixtures, ${corpus.length} corpus bundles, ${forgeries.length} forgeries, ${trustVariants.length} trust variants`,
    );
    expect(fixtures.length).toBe(3);
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(attVariants.length).toBeGreaterThanOrEqual(30);
    expect(forgeries.length).toBe(FORGERIES.length);
    expect(trustVariants.filter((t) => path.basename(t).startsWith('bad-')).length).toBe(4);
    // A forgery without its own trust() is verified with the fixture trust file: the same trust as fixtureTrust().
    expect(JSON.parse(fs.readFileSync(FIXTURE_TRUST, 'utf8'))).toEqual(JSON.parse(JSON.stringify(fixtureTrust())));
  });

  it('with the fixture trust file (a forgery with its own trust file: with that one)', async () => {
    ready();
    const all = [...fixtures, ...corpus, ...forgeries];
    // One verifier run per distinct trust file.
    const byTrust = new Map<string, { file: string; bundles: Bundle[] }>();
    const fixtureKey = canonicalJson(JSON.parse(fs.readFileSync(FIXTURE_TRUST, 'utf8')));
    byTrust.set(fixtureKey, { file: FIXTURE_TRUST, bundles: [] });
    for (const b of all) {
      const key = b.ownTrust ? canonicalJson(JSON.parse(b.ownTrust)) : fixtureKey;
      if (!byTrust.has(key)) {
        const file = path.join(tmp, `trust-${byTrust.size}.json`);
        fs.writeFileSync(file, b.ownTrust as string);
        byTrust.set(key, { file, bundles: [] });
      }
      byTrust.get(key)?.bundles.push(b);
    }
    const diffs = (
      await Promise.all(
        [...byTrust.values()].map((g) => compare(g.file === FIXTURE_TRUST ? 'fixture trust' : `own trust ${path.basename(g.file)}`, g.file, g.bundles)),
      )
    ).flat();
    expect(diffs, report(diffs, all.length)).toEqual([]);
  });

  it('without a trust file', async () => {
    ready();
    const all = [...fixtures, ...corpus, ...forgeries];
    const diffs = await compare('no trust', null, all);
    expect(diffs, report(diffs, all.length)).toEqual([]);
  });

  it('with each trust variant: both refuse it (exit 64), or both verify the fixtures and the attestation variants alike', async () => {
    ready();
    const bundles = [...fixtures, ...attVariants];
    const one = async (t: string): Promise<string[]> => {
      const label = `trust ${path.basename(t)}`;
      const pyRun = independentRun(t, bundles);
      pyRun.catch(() => undefined);
      const refused = productRefusal(t);
      const ts = refused ? null : await product(trustFromJson(JSON.parse(fs.readFileSync(t, 'utf8'))), bundles);
      const r = await pyRun;
      const pyRefused = r.status === 64 ? r.stderr.trim() || 'exit 64' : '';
      const invalid = path.basename(t).startsWith('bad-')
        ? [`${label}: meant to be invalid — verifier: ${pyRefused ? 'refused' : 'accepted'} | product: ${refused ? 'refused' : 'accepted'}`]
        : [];
      if (refused && pyRefused) return [];
      if (invalid.length && !refused && !pyRefused) return invalid;
      if (refused || pyRefused)
        return [
          `${label}: the trust file itself — verifier: ${pyRefused ? `refused (${pyRefused})` : 'accepted'} | product: ${refused ? `refused (${refused})` : 'accepted'}`,
        ];
      return diffAll(label, bundles, independentResults(r, t, bundles), ts as Map<string, Side>);
    };
    const diffs: string[] = [];
    // Two at a time: the verifier of one variant runs while the product checks the other.
    for (let i = 0; i < trustVariants.length; i += 2) {
      for (const d of await Promise.all(trustVariants.slice(i, i + 2).map(one))) diffs.push(...d);
    }
    expect(diffs, report(diffs, bundles.length * trustVariants.length)).toEqual([]);
  });
});
