// The error/event contract is frozen under CONTRACT_VERSION. Changing a code,
// its ABCI number, or an event's payload shape without bumping the version
// fails here. To change the contract: bump CONTRACT_VERSION in
// core/contract/freeze.ts, then run
//   CHARTER_UPDATE_CONTRACT=1 npx vitest run tests/unit/contract-freeze.test.ts
// which rewrites docs/contract/contract.json (it refuses without a bump), and
// describe the change in docs/contract/errors.md / events.md.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/codec/index.js';
import { CONTRACT_VERSION, contractSurface, type ContractSurface } from '../../core/contract/freeze.js';
import { ERROR_CODES } from '../../core/errors.js';
import { EVENT_NAMES } from '../../core/contract/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, 'docs/contract/contract.json');

function frozen(): ContractSurface {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ContractSurface;
}

describe('the frozen error and event contract', () => {
  if (process.env['CHARTER_UPDATE_CONTRACT'] === '1') {
    it('rewrites docs/contract/contract.json for a new contract version', () => {
      const before = fs.existsSync(file) ? frozen() : null;
      const now = contractSurface();
      if (before && before.contract_version === CONTRACT_VERSION && canonicalJson(before) !== canonicalJson(now)) {
        throw new Error(`the surface changed but CONTRACT_VERSION is still ${CONTRACT_VERSION}: bump it first`);
      }
      fs.writeFileSync(file, JSON.stringify(now, null, 2) + '\n');
      expect(frozen().contract_version).toBe(CONTRACT_VERSION);
    });
    return;
  }

  it('matches docs/contract/contract.json, or the version was bumped', () => {
    const saved = frozen();
    const now = contractSurface();
    if (saved.contract_version === CONTRACT_VERSION) {
      const savedCodes = new Map(saved.errors.map((e) => [e.code, e.abci]));
      const nowCodes = new Map(now.errors.map((e) => [e.code, e.abci]));
      const removed = [...savedCodes.keys()].filter((c) => !nowCodes.has(c));
      const added = [...nowCodes.keys()].filter((c) => !savedCodes.has(c));
      const renumbered = [...nowCodes].filter(([c, n]) => savedCodes.has(c) && savedCodes.get(c) !== n).map(([c]) => c);
      const changedEvents = [...new Set([...Object.keys(saved.events), ...Object.keys(now.events)])].filter(
        (e) => canonicalJson(saved.events[e] ?? null) !== canonicalJson(now.events[e] ?? null),
      );
      expect(
        { removed, added, renumbered, changedEvents },
        `the error/event contract changed under version ${CONTRACT_VERSION}: bump CONTRACT_VERSION (core/contract/freeze.ts) and regenerate docs/contract/contract.json`,
      ).toEqual({ removed: [], added: [], renumbered: [], changedEvents: [] });
    } else {
      // A bump without regenerating the file is also caught.
      expect(saved.contract_version, 'regenerate docs/contract/contract.json for the new version').toBe(CONTRACT_VERSION);
    }
  });

  it('catches a change: a renumbered code alters the surface', () => {
    const a = contractSurface();
    const b: ContractSurface = { ...a, errors: a.errors.map((e) => (e.code === 'BAD_SIGNATURE' ? { ...e, abci: 999 } : e)) };
    expect(canonicalJson(a)).not.toBe(canonicalJson(b));
  });

  it('docs/contract/errors.md lists every code with its ABCI number, under the contract version', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/contract/errors.md'), 'utf8');
    expect(doc).toContain(`Contract version: ${CONTRACT_VERSION}`);
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const abci = (info as { abci?: number }).abci;
      expect(doc, `docs/contract/errors.md is missing ${code}`).toMatch(new RegExp(`\\| \`${code}\` \\| ${abci ?? ''} \\|`));
    }
  });

  it('docs/contract/events.md lists every event, under the contract version', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/contract/events.md'), 'utf8');
    expect(doc).toContain(`Contract version: ${CONTRACT_VERSION}`);
    for (const e of EVENT_NAMES) expect(doc).toContain(`\`${e}\``);
  });
});
