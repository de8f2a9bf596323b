// The console's display of amounts and the checks the custody dialogs make
// before asking for a passphrase (renderer/src/common/amounts.ts, renderer/src/common/custodyRules.ts).
import { describe, expect, it } from 'vitest';
import { trackOf } from '../../core/engine/engine.js';
import { GOV_ACTION_SCHEMA } from '../../core/engine/bodies.js';
import type { KeyView, RequestView } from '../../core/contract/index.js';
import { amountInUnits, amountWithBaseUnits, baseUnitsTitle, formatAmount, groupDigits, unitsInText } from '../../renderer/src/common/amounts.js';
import {
  actionProblem,
  amountProblem,
  cancelIneligibility,
  initiatorIneligibility,
  thresholdProblemOf,
  tracksFor,
} from '../../renderer/src/common/custodyRules.js';

describe('amounts in the asset unit', () => {
  it('groups digits and honours the known decimals, exactly, at any length', () => {
    expect(formatAmount('1000000', 'USDC')).toBe('1 USDC');
    expect(formatAmount('2500', 'USDC')).toBe('0.0025 USDC');
    expect(formatAmount('1234567890', 'USDC')).toBe('1,234.56789 USDC');
    expect(formatAmount('1000000000000000000', 'ETH')).toBe('1 ETH');
    // 31 digits: beyond a float's precision, still exact.
    expect(amountInUnits('1234567890123456789012345678901', 'USDC')).toBe('1,234,567,890,123,456,789,012,345.678901');
    expect(groupDigits('1000000')).toBe('1,000,000');
  });

  it('shows an asset without known decimals in grouped base units, and says so', () => {
    expect(formatAmount('2500000', 'ACME')).toBe('2,500,000 ACME (base units)');
    expect(baseUnitsTitle('2500000', 'ACME')).toContain('knows no decimals');
  });

  it('keeps the base units on hover', () => {
    expect(baseUnitsTitle('1000000', 'USDC')).toBe('1,000,000 base units (USDC has 6 decimals)');
  });
});

describe('checks before the passphrase', () => {
  const balances = { USDC: '1000000' };
  it('refuses a withdrawal above the vault balance, and one of an asset it does not hold', () => {
    expect(amountProblem('1000001', 'USDC', balances)).toMatch(/More than the vault holds: it has 1 USDC/);
    expect(amountProblem('1000000', 'USDC', balances)).toBeNull();
    expect(amountProblem('5', 'EURC', balances)).toBe('The vault holds no EURC.');
    expect(amountProblem('1.5', 'USDC', balances)).toMatch(/whole number of base units/);
    expect(amountProblem('0', 'USDC', balances)).toMatch(/more than zero/);
    // 40 digits compare exactly (BigInt), not as floats.
    expect(amountProblem('1000000000000000000000000000000000000001', 'X', { X: '1000000000000000000000000000000000000000' })).toMatch(/More than/);
  });

  it('refuses a threshold above the number of approvers instead of "4 of 3 must sign"', () => {
    expect(thresholdProblemOf(4, 3)).toMatch(/A threshold of 4 needs at least 4 approvers; 3 are chosen/);
    expect(thresholdProblemOf(2, 3)).toBeNull();
    expect(thresholdProblemOf(0, 3)).toMatch(/at least 1/);
  });
});

describe('who may cancel (docs/policy.md: the initiator, a governance key, an admin)', () => {
  const key = (keyId: string, roles: string[], onChain: KeyView['onChain'] = 'active') => ({ keyId, roles, onChain }) as KeyView;
  const r = { initiator: 'a'.repeat(40) } as RequestView;
  it('offers the initiator and governance keys, not other approvers or inactive keys', () => {
    expect(cancelIneligibility(key('a'.repeat(40), ['initiator']), r)).toBeNull();
    expect(cancelIneligibility(key('b'.repeat(40), ['governance']), r)).toBeNull();
    expect(cancelIneligibility(key('c'.repeat(40), ['approver', 'initiator']), r)).toMatch(/neither the initiator/);
    expect(cancelIneligibility(key('a'.repeat(40), ['initiator'], 'revoked'), r)).toMatch(/revoked/);
  });
});

describe('governance: only valid track and action combinations, from the engine', () => {
  it('offers for every action exactly the track the engine accepts it on', () => {
    const types = GOV_ACTION_SCHEMA.options.map((o) => o.shape.type.value);
    for (const type of types) {
      const tracks = tracksFor(type);
      expect(tracks).toHaveLength(1);
      expect(tracks[0]).toBe(trackOf({ type } as never));
    }
    expect(tracksFor('params.set')).toEqual(['protocol']);
    expect(tracksFor('whitelist.add')).toEqual(['operational']);
    expect(tracksFor('no.such')).toEqual([]);
  });

  it('checks the action JSON with the engine schema before anything is signed', () => {
    expect(actionProblem('{"type":"params.set","max_expiry_blocks":500}', 'params.set')).toEqual({ action: { type: 'params.set', max_expiry_blocks: 500 } });
    const bad = actionProblem('{"type":"params.set","max_expiry_blocks":"x"}', 'params.set');
    expect('error' in bad && bad.error.message).toMatch(/max_expiry_blocks/);
    const missing = actionProblem('{"type":"whitelist.add","vault_id":"treasury"}', 'whitelist.add');
    expect('error' in missing && missing.error.message).toContain('destination: required (a string)');
    const mismatch = actionProblem('{"type":"params.set"}', 'whitelist.add');
    expect('error' in mismatch && mismatch.error.message).toMatch(/but whitelist.add is chosen/);
    const notJson = actionProblem('{', 'params.set');
    expect('error' in notJson && notJson.error.code).toBe('INVALID_INPUT');
  });
});

describe('amountWithBaseUnits', () => {
  it('names the unit and keeps the base units', () => {
    expect(amountWithBaseUnits('250000', 'USDC')).toBe('0.25 USDC (250000 base units)');
    expect(amountWithBaseUnits('2500', 'ACME')).toBe('2,500 ACME (base units)');
  });
});

describe('initiatorIneligibility', () => {
  const key = (over: Partial<KeyView>): KeyView =>
    ({ keyId: 'a'.repeat(40), label: 'k', onChain: 'active', roles: ['approver', 'initiator'], ...over }) as KeyView;
  it('offers only active keys with the initiator role', () => {
    expect(initiatorIneligibility(key({}))).toBeNull();
    expect(initiatorIneligibility(key({ onChain: 'unregistered', roles: [] }))).toMatch(/^not registered on chain/);
    expect(initiatorIneligibility(key({ roles: ['approver'] }))).toBe('no initiator role');
    expect(initiatorIneligibility(key({ onChain: 'revoked' }))).toBe('on-chain status: revoked');
    expect(initiatorIneligibility(key({ onChain: 'unknown', roles: [] }))).toBeNull();
  });
});

describe('unitsInText', () => {
  it("reads the engine's base units in the asset's unit when its decimals are known", () => {
    expect(unitsInText('vault holds 1000000 base units of USDC')).toBe('vault holds 1 USDC (1000000 base units)');
    expect(unitsInText('250000 of at most 500000 base units of USDC')).toBe('0.25 USDC of at most 0.5 USDC (500000 base units)');
    expect(unitsInText('vault holds 2500 base units of ACME')).toBe('vault holds 2500 base units of ACME');
    expect(unitsInText('no quarantined key among the signers')).toBe('no quarantined key among the signers');
  });
});
