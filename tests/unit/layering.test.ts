/**
 * Enforces the import directions of DESIGN.md §2 (like VS Code's layering
 * rule): every import specifier of every .ts/.tsx file in the five layers —
 * static imports, `import type`, dynamic import(), export-from, require() and
 * `import x = require()`, as found by TypeScript's own pre-processor — is
 * checked against the rules below.
 *
 *   core/      only core/ and pure packages (zod, canonicalize, @noble/*); no Node
 *              builtins, no Electron, no network or storage packages. (No DOM
 *              use is enforced by tsc: core/tsconfig.json has no DOM lib.)
 *   renderer/  only renderer/ and core/, browser packages; no Node builtins, nothing
 *              from main/, hsm/, preload/, no Node-only packages.
 *   preload/   only preload/, core/contract and `electron`.
 *   hsm/       not main/, renderer/ or preload/.
 *   main/      not renderer/ or preload/.
 *   base/      Node-side utilities hsm/ and main/ share (base/node/: files,
 *              private modes, the --out rule, loopback): only base/ and Node
 *              builtins, no packages; core/, renderer/ and preload/ never
 *              import it (their own rules above already refuse it).
 *   Only main/, hsm/ and base/ touch files, sockets, processes and devices
 *   (fs, net, http, child_process, better-sqlite3, ws, pkcs11js, node-hid, …);
 *   only main/electron/ and preload/ import `electron`.
 *
 * Inside main/, the node's folders (MAIN_FOLDER_RULES below):
 *   main/app-host/       the application host imports no consensus driver
 *                        (main/devnet/, any future one), no RPC (main/node-rpc/),
 *                        no replay and no client (main/chain/, main/services/).
 *   main/node-rpc/       routes depend on views, never on a driver: not main/devnet/.
 *   main/blocks-history/ the blocks-history format's owner: not main/devnet/,
 *                        main/replay/ or main/node-rpc/.
 *   main/replay/         reads blocks-history, never the devnet: not main/devnet/.
 *   main/cometbft/       CometBFT encodings: only core/.
 * Inside core/:
 *   core/consensus/      the CometBFT light-client verifier: only the low-level core it
 *                        builds on (core/codec/, core/crypto/, core/errors.ts,
 *                        core/evidence/bundle/base64.ts) and itself — no engine, contract
 *                        or evidence logic; among packages, core's own (zod, @noble/*).
 * Inside renderer/src (the workbench and its features, VS Code's contribution pattern):
 *   features/<a>/ does not import features/<b>/ (shared pieces live in common/ or workbench/);
 *   workbench/ (the parts) and common/ import no feature; common/ imports no workbench part;
 *   a feature's views/ do not import its dialogs/ (a view opens a dialog with openDialog);
 *   a *.contribution.ts(x) is imported only by renderer/src/features.ts, the one registration list.
 *
 * Build-tool config files (vite.config.ts, …) run in Node at build time, not in
 * the layer, and are exempt. Test files (*.test.ts) may also use Node builtins
 * and test libraries, but still obey the layer directions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERS = ['core', 'renderer', 'preload', 'hsm', 'main', 'base'] as const;
type Layer = (typeof LAYERS)[number];

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Modules that reach files, sockets, processes or devices. */
const IO_PACKAGES = new Set(['better-sqlite3', 'ws', 'pkcs11js', 'node-hid', '@ledgerhq/hw-transport-node-hid', 'usb', 'serialport']);
const IO_BUILTINS = new Set([
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'cluster',
  'worker_threads',
  'inspector',
  'repl',
  'tty',
  'readline',
  'readline/promises',
  'v8',
  'vm',
  'wasi',
]);
/** Packages that only run in Node (never in the renderer). */
const NODE_ONLY_PACKAGES = new Set([
  ...IO_PACKAGES,
  'electron',
  'commander',
  'env-paths',
  'prom-client',
  'bindings',
  'node-gyp-build',
  '@cosmjs/tendermint-rpc', // reached through main/, never from the UI
]);
const CORE_PACKAGES = (pkg: string) => pkg === 'zod' || pkg === 'canonicalize' || pkg.startsWith('@noble/');
const TEST_PACKAGES = new Set(['vitest', 'fast-check', '@playwright/test', 'typescript']);

/** Consensus drivers over the application host: the devnet today; an ABCI socket server joins this list. */
const CONSENSUS_DRIVERS = ['main/devnet', 'main/abci'];
/** folder → folders of main/ it must not import, and why. */
const MAIN_FOLDER_RULES: { from: string; not: string[]; why: string }[] = [
  {
    from: 'main/app-host',
    not: [...CONSENSUS_DRIVERS, 'main/node-rpc', 'main/replay', 'main/chain', 'main/services'],
    why: 'the application host imports no consensus driver, RPC, replay or client',
  },
  { from: 'main/node-rpc', not: CONSENSUS_DRIVERS, why: 'the RPC routes depend on views, not on a consensus driver' },
  {
    from: 'main/blocks-history',
    not: [...CONSENSUS_DRIVERS, 'main/replay', 'main/node-rpc'],
    why: 'the blocks-history format is imported by the devnet and replay, and imports neither',
  },
  { from: 'main/replay', not: CONSENSUS_DRIVERS, why: 'replay reads main/blocks-history, never a consensus driver' },
];
/** What the light-client verifier (core/consensus/) builds on. */
const CONSENSUS_MAY_IMPORT = ['core/consensus', 'core/codec', 'core/crypto', 'core/errors.ts', 'core/evidence/bundle/base64.ts'];
const within = (file: string, folder: string) => file === folder || file.startsWith(folder + '/');

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function builtinName(spec: string): string | null {
  if (spec.startsWith('node:')) return spec.slice(5);
  return BUILTINS.has(spec) ? spec : null;
}

function layerOf(rel: string): Layer | null {
  const top = rel.split('/')[0];
  return (LAYERS as readonly string[]).includes(top ?? '') ? (top as Layer) : null;
}

const isConfigFile = (rel: string) => /(^|\/)(vite|vitest|playwright|electron\.vite)\.config\.[cm]?tsx?$/.test(rel);
const isTestFile = (rel: string) => /\.(test|spec)\.[cm]?tsx?$/.test(rel) || rel.includes('/__tests__/');

const RENDERER_SRC = 'renderer/src/';
/** renderer/src/features/<name>/… → name. */
function featureOf(p: string): string | null {
  const m = /^renderer\/src\/features\/([^/]+)\//.exec(p);
  return m ? m[1]! : null;
}
const inPart = (p: string, part: string) => p.startsWith(`${RENDERER_SRC}${part}/`);

/** The workbench's own rules for an import inside renderer/src (see the header). */
export function workbenchRules(rel: string, target: string): string[] {
  const out: string[] = [];
  const from = featureOf(rel);
  const to = featureOf(target);
  if (from && to && from !== to) out.push(`features/${from}/ does not import features/${to}/ (move what both need to renderer/src/common/ or workbench/)`);
  if (to && inPart(rel, 'workbench')) out.push('workbench/ does not import a feature (features register their contributions; the parts read the registry)');
  if (to && inPart(rel, 'common')) out.push('common/ does not import a feature');
  if (inPart(target, 'workbench') && inPart(rel, 'common')) out.push('common/ does not import workbench/');
  if (
    from &&
    from === to &&
    /\/views\//.test(rel.slice(`${RENDERER_SRC}features/${from}`.length)) &&
    /\/dialogs\//.test(target.slice(`${RENDERER_SRC}features/${to}`.length))
  ) {
    out.push("a view does not import a dialog (open it with openDialog({ kind }) through the feature's contribution)");
  }
  if (/\.contribution(\.[jt]sx?)?$/.test(target) && rel !== `${RENDERER_SRC}features.ts`)
    out.push('a *.contribution file is imported only by renderer/src/features.ts');
  return out;
}

/** The import specifiers of a TypeScript source, as TypeScript sees them. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * Check one file. `rel` is its path relative to the repository root, with
 * forward slashes (e.g. "core/engine/engine.ts").
 */
export function checkFile(rel: string, source: string): Violation[] {
  const layer = layerOf(rel);
  if (!layer || isConfigFile(rel)) return [];
  const test = isTestFile(rel);
  const out: Violation[] = [];
  const bad = (specifier: string, rule: string) => out.push({ file: rel, specifier, rule });

  for (const spec of importsOf(source)) {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      // A path into the repository: which layer does it land in?
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      if (target.startsWith('..') || spec.startsWith('/')) {
        bad(spec, 'imports a path outside the repository layers');
        continue;
      }
      const to = layerOf(target);
      const top = target.split('/')[0];
      if (!to) {
        if (target === 'package.json' && (layer === 'main' || layer === 'hsm')) continue; // the version
        if (!test) bad(spec, `${layer}/ imports ${top}/, which is not part of the product`);
        continue;
      }
      switch (layer) {
        case 'core':
          if (to !== 'core') bad(spec, `core/ imports only core/ (this reaches ${to}/)`);
          else if (within(rel, 'core/consensus') && !test && !CONSENSUS_MAY_IMPORT.some((f) => within(target.replace(/\.js$/, '.ts'), f)))
            bad(spec, `core/consensus/ imports only ${CONSENSUS_MAY_IMPORT.join(', ')} (this reaches ${target})`);
          break;
        case 'renderer':
          if (to !== 'renderer' && to !== 'core') bad(spec, `renderer/ imports only renderer/ and core/ (this reaches ${to}/)`);
          else if (to === 'renderer') for (const rule of workbenchRules(rel, target)) bad(spec, rule);
          break;
        case 'preload':
          if (to !== 'preload' && !(target === 'core/contract' || target.startsWith('core/contract/'))) {
            bad(spec, `preload/ imports only preload/, core/contract and electron (this reaches ${target})`);
          }
          break;
        case 'hsm':
          if (to === 'main' || to === 'renderer' || to === 'preload') bad(spec, `hsm/ does not import ${to}/`);
          break;
        case 'main':
          if (to === 'renderer' || to === 'preload') bad(spec, `main/ does not import ${to}/`);
          for (const r of MAIN_FOLDER_RULES) {
            if (!within(rel, r.from)) continue;
            const hit = r.not.find((f) => within(target, f));
            if (hit) bad(spec, `${r.from}/ does not import ${hit}/: ${r.why}`);
          }
          if (within(rel, 'main/cometbft') && to !== 'core' && !within(target, 'main/cometbft') && !within(target, 'main/crypto'))
            bad(spec, 'main/cometbft/ imports only core/ and main/crypto/');
          break;
        case 'base':
          if (to !== 'base') bad(spec, `base/ imports only base/ (this reaches ${to}/)`);
          break;
      }
      continue;
    }

    const builtin = builtinName(spec);
    if (builtin !== null) {
      if (test) continue;
      if (layer === 'core') bad(spec, 'core/ imports no Node builtin');
      else if (layer === 'renderer') bad(spec, 'renderer/ imports no Node builtin');
      else if (layer === 'preload') bad(spec, 'preload/ imports only electron and core/contract (sandboxed preloads cannot load Node builtins)');
      else if (IO_BUILTINS.has(builtin) && layer !== 'main' && layer !== 'hsm' && layer !== 'base')
        bad(spec, 'only main/, hsm/ and base/ touch files, sockets and processes');
      continue;
    }

    const pkg = packageName(spec);
    if (test && TEST_PACKAGES.has(pkg)) continue;
    if (pkg === 'electron') {
      const allowed = layer === 'preload' || rel.startsWith('main/electron/');
      if (!allowed) bad(spec, 'only main/electron/ and preload/ import electron');
      continue;
    }
    if (IO_PACKAGES.has(pkg) && layer !== 'main' && layer !== 'hsm' && !(layer === 'base' && test)) {
      bad(spec, `only main/ and hsm/ import ${pkg} (files, sockets, devices)`);
      continue;
    }
    switch (layer) {
      case 'core':
        if (!CORE_PACKAGES(pkg)) bad(spec, 'core/ imports only zod, canonicalize and @noble/* among packages');
        break;
      case 'renderer':
        if (NODE_ONLY_PACKAGES.has(pkg)) bad(spec, `renderer/ imports only browser packages (${pkg} is Node-only)`);
        break;
      case 'preload':
        bad(spec, 'preload/ imports only electron and core/contract');
        break;
      case 'base':
        if (!test) bad(spec, 'base/ imports only Node builtins among packages');
        break;
      default:
        break;
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...sourceFiles(p));
    else if (/\.[cm]?tsx?$/.test(e.name)) files.push(p);
  }
  return files;
}

describe('layering (DESIGN.md §2)', () => {
  const files = LAYERS.flatMap((l) => sourceFiles(path.join(ROOT, l)));

  it('finds the layers to check', () => {
    expect(files.some((f) => f.includes(`${path.sep}core${path.sep}`))).toBe(true);
  });

  it('every import in core/, renderer/, preload/, hsm/ and main/ follows the import directions', () => {
    const violations = files.flatMap((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      return checkFile(rel, readFileSync(f, 'utf8'));
    });
    const report = violations.map((v) => `${v.file}: "${v.specifier}" — ${v.rule}`).join('\n');
    expect(report, `layering violations:\n${report}`).toBe('');
  });
});

/**
 * The imports that load a module at run time: `import type` / `export type`
 * statements (and `import { type A }` lists of types only) are erased by the
 * build, so they cannot make a module load before what it needs. A type derived
 * from a registry that refers back to it (the engine's TxBodies from its modules'
 * specs) is such a type-only edge.
 */
export function valueImportsOf(source: string): string[] {
  const stripped = source
    .replace(/^\s*(?:import|export)\s+type\s[^;]*?from\s+'[^']+';?/gm, '')
    .replace(/^\s*import\s*\{([^}]*)\}\s*from\s+'[^']+';?/gm, (m, names: string) =>
      names.split(',').every((n) => n.trim() === '' || /^type\s/.test(n.trim())) ? '' : m,
    );
  return importsOf(stripped);
}

/**
 * Import circles (A imports B imports … A) among the product's files, as sets of
 * files (strongly connected components), test files left out; value imports
 * only (valueImportsOf). `known` lists
 * circles still being broken: a circle passes only if all its files are one
 * known circle's; remove an entry once its circle is gone.
 */
export function importCircles(files: ReadonlyMap<string, string>, known: readonly (readonly string[])[] = []): string[][] {
  const graph = new Map<string, string[]>();
  for (const [rel, source] of files) {
    const deps: string[] = [];
    for (const spec of valueImportsOf(source)) {
      if (!spec.startsWith('.')) continue;
      const t = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '');
      const hit = [`${t}.ts`, `${t}.tsx`, `${t}/index.ts`, t].find((c) => files.has(c));
      if (hit) deps.push(hit);
    }
    graph.set(rel, deps);
  }
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles.filter((c) => !known.some((k) => c.every((f) => k.includes(f))));
}

/** Circles being broken elsewhere; each entry goes when its circle does. */
const KNOWN_CIRCLES: readonly (readonly string[])[] = [];

describe('import circles', () => {
  it('the product has none but the known ones', () => {
    const files = new Map<string, string>();
    for (const l of LAYERS) {
      for (const f of sourceFiles(path.join(ROOT, l))) {
        const rel = path.relative(ROOT, f).split(path.sep).join('/');
        if (!isTestFile(rel)) files.set(rel, readFileSync(f, 'utf8'));
      }
    }
    expect(importCircles(files, KNOWN_CIRCLES)).toEqual([]);
  });

  it('finds a circle through any number of files, and lets a known one pass', () => {
    const files = new Map([
      ['core/a.ts', "import { b } from './b.js';"],
      ['core/b.ts', "import { C } from './sub/c.js';"],
      ['core/sub/c.ts', "export { a } from '../a.js';"],
      ['core/d.ts', "import { a } from './a.js';"],
    ]);
    expect(importCircles(files)).toEqual([['core/a.ts', 'core/b.ts', 'core/sub/c.ts']]);
    // Type-only edges are erased by the build and make no circle.
    const typeOnly = new Map([...files, ['core/b.ts', "import type { C } from './sub/c.js';\nimport { type D } from './sub/c.js';"]]);
    expect(importCircles(typeOnly)).toEqual([]);
    expect(importCircles(files, [['core/a.ts', 'core/b.ts', 'core/sub/c.ts']])).toEqual([]);
    expect(importCircles(files, [['core/a.ts', 'core/b.ts']])).toHaveLength(1);
  });
});

describe('the layering checker', () => {
  it('sees every form of import', () => {
    const src = [
      "import a from 'zod';",
      "import type { Stats } from 'node:fs';",
      "export * from './x.js';",
      "export { y } from '../main/app.js';",
      "const e = await import('electron');",
      "const s = require('better-sqlite3');",
      "import 'ws';",
      "import fs = require('node:net');",
      "type Srv = import('node:http').Server;",
      "// import c from 'commented-out';",
      'const text = "import(\'in-a-string\')";',
    ].join('\n');
    expect(importsOf(src)).toEqual(['zod', 'node:fs', './x.js', '../main/app.js', 'electron', 'better-sqlite3', 'ws', 'node:net', 'node:http']);
  });

  it('catches core/ importing Node, the network, storage, electron or another layer', () => {
    const src = [
      "import { readFileSync } from 'node:fs';",
      "import { createHash } from 'crypto';",
      "import Database from 'better-sqlite3';",
      "const { app } = await import('electron');",
      "export { x } from '../../main/app.js';",
      "const ws = require('ws');",
      "import React from 'react';",
    ].join('\n');
    const v = checkFile('core/engine/bad.ts', src);
    expect(v.map((x) => x.specifier)).toEqual(['node:fs', 'crypto', 'better-sqlite3', 'electron', '../../main/app.js', 'ws', 'react']);
  });

  it('lets core/ use core/, zod, canonicalize and @noble/*', () => {
    const src =
      "import { z } from 'zod'; import c from 'canonicalize'; import { ed25519 } from '@noble/curves/ed25519.js'; import { sha256 } from '@noble/hashes/sha2.js'; import { x } from '../codec/index.js';";
    expect(checkFile('core/engine/ok.ts', src)).toEqual([]);
  });

  it('catches renderer/ importing Node builtins, main/, hsm/, preload/ or Node-only packages', () => {
    const src = [
      "import path from 'path';",
      "import { createCharter } from '../../main/app.js';",
      "import { SoftwareBackend } from '../../hsm/software.js';",
      "import { createBridge } from '../../preload/api.js';",
      "import WebSocket from 'ws';",
      "import { ipcRenderer } from 'electron';",
      "import { methods } from '../../core/contract/index.js';",
      "import { create } from 'zustand';",
    ].join('\n');
    expect(checkFile('renderer/src/bad.tsx', src).map((x) => x.specifier)).toEqual([
      'path',
      '../../main/app.js',
      '../../hsm/software.js',
      '../../preload/api.js',
      'ws',
      'electron',
    ]);
  });

  it('keeps the workbench features apart: no feature imports another, the parts and common/ import none, views import no dialog', () => {
    const feature = 'renderer/src/features/custody/views/ApprovalsView.tsx';
    expect(checkFile(feature, "import { x } from '../../keys/keyActions.js';").map((v) => v.rule)).toEqual([
      'features/custody/ does not import features/keys/ (move what both need to renderer/src/common/ or workbench/)',
    ]);
    expect(checkFile(feature, "import { ApproveDialog } from '../dialogs/ApproveDialog.js';").length).toBe(1);
    expect(
      checkFile(
        feature,
        "import { x } from '../../../common/ui.js'; import { y } from '../../../store.js'; import { z } from '../../../workbench/focus.js'; import { p } from './Precheck.js';",
      ),
    ).toEqual([]);
    expect(checkFile('renderer/src/features/custody/dialogs/ApproveDialog.tsx', "import { PrecheckTable } from '../views/Precheck.js';")).toEqual([]);
    expect(checkFile('renderer/src/workbench/EditorArea.tsx', "import { KeysView } from '../features/keys/views/KeysView.js';").length).toBe(1);
    expect(checkFile('renderer/src/common/ui.tsx', "import { a } from '../features/keys/types.js'; import { b } from '../workbench/registry.js';").length).toBe(
      2,
    );
    expect(checkFile('renderer/src/main.tsx', "import { k } from './features/keys/keys.contribution.js';").length).toBe(1);
    expect(checkFile('renderer/src/features.ts', "import { k } from './features/keys/keys.contribution.js';")).toEqual([]);
  });

  it('catches preload/ importing anything but electron and core/contract', () => {
    const src = [
      "import { contextBridge } from 'electron';",
      "import { METHOD_NAMES } from '../core/contract/index.js';",
      "import { createBridge } from './api.js';",
      "import { CharterError } from '../core/errors.js';",
      "import { z } from 'zod';",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(checkFile('preload/index.ts', src).map((x) => x.specifier)).toEqual(['../core/errors.js', 'zod', 'node:fs']);
  });

  it('catches hsm/ reaching up into main/ and main/ reaching renderer/', () => {
    expect(checkFile('hsm/software.ts', "import { x } from '../main/app.js';").map((v) => v.specifier)).toEqual(['../main/app.js']);
    expect(checkFile('main/app.ts', "import { y } from '../renderer/src/store.js';").map((v) => v.specifier)).toEqual(['../renderer/src/store.js']);
    expect(checkFile('main/services/x.ts', "import { app } from 'electron';").map((v) => v.specifier)).toEqual(['electron']);
    expect(checkFile('main/electron/main.ts', "import { app } from 'electron'; import fs from 'node:fs';")).toEqual([]);
    expect(checkFile('hsm/pkcs11.ts', "import * as pkcs11 from 'pkcs11js'; import fs from 'node:fs';")).toEqual([]);
  });

  it('keeps base/ to Node builtins and base/, and lets only hsm/ and main/ import it', () => {
    const src = [
      "import fs from 'node:fs';",
      "import { isIP } from 'node:net';",
      "import { x } from './other.js';",
      "import { CharterError } from '../../core/errors.js';",
      "import { y } from '../../hsm/types.js';",
      "import { z } from '../../main/app.js';",
      "import Database from 'better-sqlite3';",
      "import { z as zod } from 'zod';",
    ].join('\n');
    expect(checkFile('base/node/bad.ts', src).map((v) => v.specifier)).toEqual([
      '../../core/errors.js',
      '../../hsm/types.js',
      '../../main/app.js',
      'better-sqlite3',
      'zod',
    ]);
    expect(checkFile('hsm/software.ts', "import { writeFileAtomic } from '../base/node/files.js';")).toEqual([]);
    expect(checkFile('main/services/keys.ts', "import { writeFileAtomic } from '../../base/node/files.js';")).toEqual([]);
    expect(checkFile('core/codec/index.ts', "import { isLoopback } from '../../base/node/net.js';").length).toBe(1);
    expect(checkFile('renderer/src/App.tsx', "import { isLoopback } from '../../base/node/net.js';").length).toBe(1);
    expect(checkFile('preload/index.ts', "import { isLoopback } from '../base/node/net.js';").length).toBe(1);
  });

  it('catches the application host importing a driver or the RPC, routes importing the devnet, and a devnet↔replay cycle', () => {
    expect(checkFile('main/app-host/host.ts', "import { DevnetNode } from '../devnet/node.js';").map((v) => v.specifier)).toEqual(['../devnet/node.js']);
    expect(checkFile('main/app-host/host.ts', "import { x } from '../abci/server.js'; import { y } from '../node-rpc/transport.js';").length).toBe(2);
    expect(
      checkFile(
        'main/app-host/host.ts',
        "import { NodeStore } from './store.js'; import { b64 } from '../cometbft/encoding.js'; import { x } from '../../core/engine/engine.js';",
      ),
    ).toEqual([]);
    expect(checkFile('main/node-rpc/read-api.ts', "import type { DevnetNode } from '../devnet/node.js';").length).toBe(1);
    expect(checkFile('main/node-rpc/read-api.ts', "import type { AppReadView } from '../app-host/views.js';")).toEqual([]);
    expect(checkFile('main/blocks-history/export.ts', "import { x } from '../replay/replay.js';").length).toBe(1);
    expect(checkFile('main/replay/cli.ts', "import { exportBlocks } from '../devnet/export.js';").length).toBe(1);
    expect(checkFile('main/cometbft/encoding.ts', "import { x } from '../util/sqlite.js';").length).toBe(1);
    expect(checkFile('core/consensus/verify.ts', "import { x } from '../engine/engine.js';").length).toBe(1);
    expect(checkFile('core/consensus/verify.ts', "import { x } from '../evidence/bundle/verify.js';").length).toBe(1);
    expect(checkFile('core/consensus/verify.ts', "import { x } from 'cosmjs-types/tendermint/types/types.js';").length).toBe(1);
    expect(
      checkFile(
        'core/consensus/verify.ts',
        "import { merkleRoot } from '../crypto/merkle.js'; import { CharterError } from '../errors.js'; import { fromBase64 } from '../evidence/bundle/base64.js'; import { z } from 'zod';",
      ),
    ).toEqual([]);
    expect(
      checkFile('main/devnet/node.ts', "import { ApplicationHost } from '../app-host/host.js'; import { mountReadApi } from '../node-rpc/read-api.js';"),
    ).toEqual([]);
  });

  it('exempts build-tool config files, and lets tests use Node but not cross layers', () => {
    expect(checkFile('renderer/vite.config.ts', "import { fileURLToPath } from 'node:url';")).toEqual([]);
    expect(checkFile('core/engine/engine.test.ts', "import { describe } from 'vitest'; import fs from 'node:fs';")).toEqual([]);
    expect(checkFile('core/engine/engine.test.ts', "import { x } from '../../main/app.js';").length).toBe(1);
  });
});

// ─── node registry, chain clients, authority (main/nodes, main/chain, main/authority) ──
//
//   main/chain/       the chain clients: imports nothing of main/ outside main/chain/.
//   main/nodes/<kind>/ one node kind: imports no other kind folder, nor the
//                     registry (registry.ts) or the adapter list (adapters.ts).
//   main/nodes/registry.ts, types.ts  import no kind folder at run time (types.ts
//                     names each kind's connection type: `import type` only);
//                     only adapters.ts imports the kinds.
//   main/authority/   imports nothing of main/ but main/authority/ and, for TxSigner,
//                     main/services/submit.ts (type only).
//   main/services/    reach nodes through main/nodes/types.ts (the registry is
//                     injected), never a kind folder or main/devnet/; the old
//                     main/services/chain.ts re-export is the one exception.
const NODE_KIND_RE = /^main\/nodes\/([^/]+)\//;

export function checkNodesRules(rel: string, source: string): Violation[] {
  if (!rel.startsWith('main/') || isTestFile(rel)) return [];
  const out: Violation[] = [];
  const info = ts.preProcessFile(source, true, true);
  const typeOnly = new Set<string>();
  // `import type … from 'x'` and `export type … from 'x'`: a type-only edge.
  for (const m of source.matchAll(/^\s*(?:import|export)\s+type\s[^;]*?from\s+'([^']+)'/gm)) typeOnly.add(m[1]!);
  for (const f of info.importedFiles) {
    const spec = f.fileName;
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
    const bad = (rule: string) => out.push({ file: rel, specifier: spec, rule });
    const kindOfTarget = NODE_KIND_RE.exec(target)?.[1] ?? null;
    if (rel.startsWith('main/chain/') && target.startsWith('main/') && !target.startsWith('main/chain/'))
      bad('main/chain/ imports nothing of main/ outside main/chain/');
    const kindOfFile = NODE_KIND_RE.exec(rel)?.[1] ?? null;
    if (kindOfFile) {
      if (kindOfTarget && kindOfTarget !== kindOfFile) bad(`node kind ${kindOfFile} imports another kind (${kindOfTarget})`);
      if (target === 'main/nodes/registry.ts' || target === 'main/nodes/registry.js' || target.startsWith('main/nodes/adapters.'))
        bad('a node kind does not import the registry or the adapter list');
    }
    if ((rel === 'main/nodes/registry.ts' || rel === 'main/nodes/types.ts') && kindOfTarget && !typeOnly.has(spec))
      bad('the registry imports no node kind at run time (adapters are injected)');
    if (rel.startsWith('main/authority/') && target.startsWith('main/') && !target.startsWith('main/authority/')) {
      if (!(target.startsWith('main/services/submit.') && typeOnly.has(spec)))
        bad('main/authority/ imports only main/authority/ and the TxSigner type of main/services/submit.ts');
    }
    if (rel.startsWith('main/services/') && rel !== 'main/services/chain.ts') {
      if (kindOfTarget) bad('a service reaches nodes through main/nodes/types.ts, not a node kind');
      if (target.startsWith('main/devnet/')) bad('a service does not import the devnet');
    }
  }
  return out;
}

describe('node registry, chain clients and authority folders', () => {
  const files = sourceFiles(path.join(ROOT, 'main'));

  it('every import follows their rules', () => {
    const violations = files.flatMap((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      return checkNodesRules(rel, readFileSync(f, 'utf8'));
    });
    const report = violations.map((v) => `${v.file}: "${v.specifier}" — ${v.rule}`).join('\n');
    expect(report, `layering violations:\n${report}`).toBe('');
  });

  it('catches a breach of each rule', () => {
    expect(checkNodesRules('main/chain/x.ts', "import { EventBus } from '../services/bus.js';")).toHaveLength(1);
    expect(checkNodesRules('main/nodes/custody-cometbft/x.ts', "import { Evm } from '../evm-besu/index.js';")).toHaveLength(1);
    expect(checkNodesRules('main/nodes/custody-cometbft/x.ts', "import { NodeRegistry } from '../registry.js';")).toHaveLength(1);
    expect(checkNodesRules('main/nodes/registry.ts', "import { CustodyConnection } from './custody-cometbft/connection.js';")).toHaveLength(1);
    expect(checkNodesRules('main/nodes/types.ts', "import type { CustodyConnection } from './custody-cometbft/connection.js';")).toHaveLength(0);
    expect(checkNodesRules('main/authority/x.ts', "import { KeysService } from '../services/keys.js';")).toHaveLength(1);
    expect(checkNodesRules('main/authority/x.ts', "import type { TxSigner } from '../services/submit.js';")).toHaveLength(0);
    expect(checkNodesRules('main/services/custody.ts', "import { CustodyConnection } from '../nodes/custody-cometbft/connection.js';")).toHaveLength(1);
    expect(checkNodesRules('main/services/custody.ts', "import { DevnetNode } from '../devnet/node.js';")).toHaveLength(1);
    expect(checkNodesRules('main/services/custody.ts', "import type { CustodyNodes } from '../nodes/types.js';")).toHaveLength(0);
  });
});

// ─── Engine modules and the envelope (core/engine, core/tx) ─────────────────
//
//   core/tx/      knows no transaction type: it imports nothing from core/engine/,
//                 except core/tx/envelope.ts, which re-exports the engine's decoder at
//                 its historical path (and which nothing in core/engine or core/tx imports).
//   core/engine/modules/<a>/  imports no other module core/engine/modules/<b>/: what two
//                 modules share lives in core/engine/ (shared.ts, work.ts, controls.ts, …);
//                 only the registry files core/engine/modules/*.ts list the modules.

const ENVELOPE_FACADE = 'core/tx/envelope.ts';

export function checkEngineFile(rel: string, source: string): Violation[] {
  if (!rel.startsWith('core/') || isTestFile(rel)) return [];
  const out: Violation[] = [];
  const moduleOf = (p: string) => /^core\/engine\/modules\/([^/]+)\//.exec(p)?.[1] ?? null;
  for (const spec of importsOf(source)) {
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
    if (rel.startsWith('core/tx/') && rel !== ENVELOPE_FACADE && target.startsWith('core/engine/')) {
      out.push({ file: rel, specifier: spec, rule: 'core/tx/ knows no transaction type: it does not import core/engine/' });
    }
    if ((rel.startsWith('core/engine/') || rel.startsWith('core/tx/')) && target === ENVELOPE_FACADE) {
      out.push({
        file: rel,
        specifier: spec,
        rule: 'core/engine/ and core/tx/ import core/tx/codec.ts (and core/engine/tx.ts), not the facade core/tx/envelope.ts',
      });
    }
    const from = moduleOf(rel);
    const to = moduleOf(target);
    if (from !== null && to !== null && from !== to) {
      out.push({
        file: rel,
        specifier: spec,
        rule: `engine module ${from} imports module ${to}: modules do not import each other (shared helpers go in core/engine/)`,
      });
    }
  }
  return out;
}

describe('engine modules and the envelope', () => {
  it('core/tx/ imports no core/engine/, and engine modules do not import each other', () => {
    const files = [...sourceFiles(path.join(ROOT, 'core', 'tx')), ...sourceFiles(path.join(ROOT, 'core', 'engine'))];
    expect(files.some((f) => f.includes(`${path.sep}modules${path.sep}`))).toBe(true);
    const violations = files.flatMap((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      return checkEngineFile(rel, readFileSync(f, 'utf8'));
    });
    const report = violations.map((v) => `${v.file}: "${v.specifier}" — ${v.rule}`).join('\n');
    expect(report, `violations:\n${report}`).toBe('');
  });

  it('the checker catches each rule', () => {
    expect(checkEngineFile('core/tx/codec.ts', "import type { TxBodies } from '../engine/types.js';").length).toBe(1);
    expect(checkEngineFile('core/tx/envelope.ts', "export { decodeTx } from '../engine/tx.js';")).toEqual([]);
    expect(checkEngineFile('core/engine/engine.ts', "import { decodeTx } from '../tx/envelope.js';").length).toBe(1);
    expect(checkEngineFile('core/engine/modules/keys/index.ts', "import { decide } from '../withdrawals/index.js';").length).toBe(1);
    expect(checkEngineFile('core/engine/modules/keys/index.ts', "import { keysSpec } from './spec.js'; import { ev } from '../../shared.js';")).toEqual([]);
    expect(checkEngineFile('core/engine/modules/index.ts', "import { keys } from './keys/index.js';")).toEqual([]);
    expect(checkEngineFile('core/engine/engine.test.ts', "import { decodeTx } from '../tx/envelope.js';")).toEqual([]);
  });
});

// ─── contract domains and handler slices ──────────────────────────────────
// A contract domain (core/contract/domains/<d>.ts) imports the shared shapes and
// `op`, never another domain; a handler slice (main/handlers/<d>.ts) imports
// services and its context, never another slice. Only the composers
// (core/contract/index.ts, main/handlers/index.ts) see them all.
describe('contract domains and handler slices stay apart', () => {
  const siblings = (dir: string, allowed: readonly string[]) => {
    const bad: string[] = [];
    for (const f of readdirSync(path.join(ROOT, dir))) {
      if (!/\.ts$/.test(f) || allowed.includes(f) || isTestFile(f)) continue;
      for (const spec of importsOf(readFileSync(path.join(ROOT, dir, f), 'utf8'))) {
        if (/^\.\/[^/]+\.js$/.test(spec) && !allowed.includes(spec.slice(2).replace(/\.js$/, '.ts'))) bad.push(`${dir}/${f}: ${spec}`);
      }
    }
    return bad;
  };
  it('a contract domain does not import another domain', () => {
    expect(siblings('core/contract/domains', [])).toEqual([]);
  });
  it('a handler slice does not import another slice', () => {
    expect(siblings('main/handlers', ['index.ts', 'context.ts'])).toEqual([]);
  });
});
