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
 *   Only main/ and hsm/ touch files, sockets, processes and devices
 *   (fs, net, http, child_process, better-sqlite3, ws, pkcs11js, node-hid, …);
 *   only main/electron/ and preload/ import `electron`.
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
const LAYERS = ['core', 'renderer', 'preload', 'hsm', 'main'] as const;
type Layer = (typeof LAYERS)[number];

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Modules that reach files, sockets, processes or devices. */
const IO_PACKAGES = new Set(['better-sqlite3', 'ws', 'pkcs11js', 'node-hid', '@ledgerhq/hw-transport-node-hid', 'usb', 'serialport']);
const IO_BUILTINS = new Set([
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'dns/promises',
  'child_process', 'cluster', 'worker_threads', 'inspector', 'repl', 'tty', 'readline', 'readline/promises', 'v8', 'vm', 'wasi',
]);
/** Packages that only run in Node (never in the renderer). */
const NODE_ONLY_PACKAGES = new Set([
  ...IO_PACKAGES, 'electron', 'commander', 'env-paths', 'prom-client', 'bindings', 'node-gyp-build',
  '@cosmjs/tendermint-rpc', // reached through main/, never from the UI
]);
const CORE_PACKAGES = (pkg: string) => pkg === 'zod' || pkg === 'canonicalize' || pkg.startsWith('@noble/');
const TEST_PACKAGES = new Set(['vitest', 'fast-check', '@playwright/test', 'typescript']);

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
          break;
        case 'renderer':
          if (to !== 'renderer' && to !== 'core') bad(spec, `renderer/ imports only renderer/ and core/ (this reaches ${to}/)`);
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
      else if (IO_BUILTINS.has(builtin) && layer !== 'main' && layer !== 'hsm') bad(spec, 'only main/ and hsm/ touch files, sockets and processes');
      continue;
    }

    const pkg = packageName(spec);
    if (test && TEST_PACKAGES.has(pkg)) continue;
    if (pkg === 'electron') {
      const allowed = layer === 'preload' || rel.startsWith('main/electron/');
      if (!allowed) bad(spec, 'only main/electron/ and preload/ import electron');
      continue;
    }
    if (IO_PACKAGES.has(pkg) && layer !== 'main' && layer !== 'hsm') {
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
      "const text = \"import('in-a-string')\";",
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
    expect(v.map((x) => x.specifier)).toEqual([
      'node:fs', 'crypto', 'better-sqlite3', 'electron', '../../main/app.js', 'ws', 'react',
    ]);
  });

  it('lets core/ use core/, zod, canonicalize and @noble/*', () => {
    const src = "import { z } from 'zod'; import c from 'canonicalize'; import { ed25519 } from '@noble/curves/ed25519.js'; import { sha256 } from '@noble/hashes/sha2.js'; import { x } from '../codec/index.js';";
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
      'path', '../../main/app.js', '../../hsm/software.js', '../../preload/api.js', 'ws', 'electron',
    ]);
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

  it('exempts build-tool config files, and lets tests use Node but not cross layers', () => {
    expect(checkFile('renderer/vite.config.ts', "import { fileURLToPath } from 'node:url';")).toEqual([]);
    expect(checkFile('core/engine/engine.test.ts', "import { describe } from 'vitest'; import fs from 'node:fs';")).toEqual([]);
    expect(checkFile('core/engine/engine.test.ts', "import { x } from '../../main/app.js';").length).toBe(1);
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
