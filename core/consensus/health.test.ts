import { describe, expect, it } from 'vitest';
import { consensusHealth, quorumWarning } from './health.js';

const set = ['A', 'B', 'C', 'D'].map((address) => ({ address, power: 10 }));

describe('consensus health', () => {
  it('has quorum above two thirds of the power, and says why not below', () => {
    expect(consensusHealth(set, new Set(['A', 'B', 'C', 'D']))).toMatchObject({ quorum: true, onlinePower: 40, totalPower: 40, offline: 0, warning: null });
    expect(consensusHealth(set, new Set(['A', 'B', 'C']))).toMatchObject({ quorum: true, onlinePower: 30, warning: null });
    expect(consensusHealth(set, new Set(['A', 'B']))).toMatchObject({
      quorum: false,
      offline: 2,
      warning: 'consensus cannot progress: 2 of 4 validators (50 % of power) are offline',
    });
  });
  it('counts power, not heads: exactly two thirds is not enough', () => {
    const weighted = [
      { address: 'A', power: 2 },
      { address: 'B', power: 1 },
    ];
    expect(consensusHealth(weighted, new Set(['A'])).quorum).toBe(false);
    expect(quorumWarning(1, 2, 1, 3)).toBe('consensus cannot progress: 1 of 2 validators (33 % of power) are offline');
    expect(consensusHealth([], new Set()).warning).toBe('no validator answers: the network is down');
  });
});
