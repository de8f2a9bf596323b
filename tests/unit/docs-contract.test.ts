import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { METHOD_NAMES, methods } from '../../core/contract/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');

describe('docs follow the contract', () => {
  it('docs/architecture.md lists every contract operation', () => {
    const doc = read('docs/architecture.md');
    for (const m of METHOD_NAMES) expect(doc, `docs/architecture.md is missing ${m}`).toContain(`\`${m}\``);
  });

  it('ABCI codes are unique', () => {
    const nums = Object.values(ERROR_CODES)
      .map((i) => (i as { abci?: number }).abci)
      .filter((n) => n !== undefined);
    expect(new Set(nums).size).toBe(nums.length);
  });

  it('every operation has a summary and both schemas', () => {
    for (const m of METHOD_NAMES) {
      expect(methods[m].summary.length).toBeGreaterThan(5);
      expect(methods[m].input).toBeDefined();
      expect(methods[m].output).toBeDefined();
    }
  });
});
