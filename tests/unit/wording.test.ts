/** Counts in words (renderer/src/common/wording.ts): plurals, and the Overview's step details. */
import { describe, expect, it } from 'vitest';
import { keysStepDetail, plural, requestsStepDetail } from '../../renderer/src/common/wording.js';

describe('wording', () => {
  it('uses the singular for exactly one', () => {
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(0, 'entry', 'entries')).toBe('0 entries');
    expect(plural(2, 'key')).toBe('2 keys');
  });

  it('says how many keys there are and how many are needed, never "4 of 3"', () => {
    expect(keysStepDetail(1)).toBe('1 of 3 keys in the keystore');
    expect(keysStepDetail(3)).toBe('3 keys in the keystore (3 needed)');
    expect(keysStepDetail(4)).toBe('4 keys in the keystore (3 needed)');
  });

  it('counts cancelled requests apart', () => {
    expect(requestsStepDetail([{ status: 'pending' }])).toBe('1 request');
    expect(requestsStepDetail([{ status: 'executed' }, { status: 'pending' }, { status: 'cancelled' }])).toBe('2 requests, 1 cancelled');
    expect(requestsStepDetail([])).toBe('0 requests');
  });
});
