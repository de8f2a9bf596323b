/**
 * How the console words an error (renderer/src/common/errorText.ts): a
 * sentence and the remedy, field problems in words, never the contract's
 * method names, field paths or a node's raw refusal in the sentence.
 */
import { describe, expect, it } from 'vitest';
import { describeError, describeErrorNamed, fieldName, nameKeyIds } from '../../renderer/src/common/errorText.js';
import { CharterError, ERROR_CODES } from '../../core/errors.js';

describe('describeError', () => {
  it('words the contract refusal of a field, without the method name or the JSON problems', () => {
    const e = new CharterError('INVALID_INPUT', 'custody.createVault: vaultId: 2–32 characters: a–z, 0–9 and "-", not starting with "-"', {
      problems: [{ path: 'vaultId', message: '2–32 characters: a–z, 0–9 and "-", not starting with "-"' }],
    }).toJSON();
    const t = describeError(e);
    expect(t.sentence).toBe('One field is not valid.');
    expect(t.fields).toEqual(['Vault id: must be 2–32 characters: a–z, 0–9 and "-", not starting with "-"']);
    expect(t.remedy).toMatch(/Correct the fields/);
    expect(JSON.stringify(t)).not.toContain('custody.createVault');
    expect(JSON.stringify(t)).not.toContain('problems');
  });

  it('turns zod messages into phrases', () => {
    const e = new CharterError('INVALID_INPUT', 'x', {
      problems: [
        { path: 'label', message: 'Too small: expected string to have >=1 characters' },
        { path: 'approvers', message: 'Too small: expected array to have >=2 items' },
        { path: 'threshold', message: 'Invalid input: expected int, received number' },
        { path: 'memo', message: 'Too big: expected string to have <=256 characters' },
      ],
    }).toJSON();
    expect(describeError(e).fields).toEqual([
      'Label: must not be empty',
      'Approvers: choose at least 2',
      'Threshold: must be a whole number',
      'Memo: must be at most 256 characters long',
    ]);
    expect(describeError(e).sentence).toBe('4 fields are not valid.');
  });

  it('says what a node refusal means and what to do, keeping abci_code, codespace and log out of the words', () => {
    const e = new CharterError('SELF_APPROVAL', 'initiator 0123abcd may not approve its own request', {
      abci_code: 70,
      codespace: 'custody',
      log: 'SELF_APPROVAL: initiator 0123abcd may not approve its own request',
      hash: 'AB'.repeat(32),
    }).toJSON();
    const t = describeError(e);
    expect(t.sentence).toBe(ERROR_CODES.SELF_APPROVAL.summary);
    expect(t.specifics).toBe('Initiator 0123abcd may not approve its own request.');
    expect(t.remedy).toBe(ERROR_CODES.SELF_APPROVAL.hint);
    expect(JSON.stringify(t)).not.toMatch(/abci_code|codespace|"log"/);
  });

  it('keeps an internal error to the summary', () => {
    const t = describeError(new CharterError('INTERNAL', 'unexpected error in custody.approve: TypeError: x is undefined').toJSON());
    expect(t.sentence).toBe(ERROR_CODES.INTERNAL.summary);
    expect(t.specifics).toBeNull();
  });

  it('names fields in words', () => {
    expect(fieldName('vaultId')).toBe('Vault id');
    expect(fieldName('approvers.0')).toBe('Approvers, item 1');
    expect(fieldName('signer_key_id')).toBe('Signer key id');
    expect(fieldName('(input)')).toBe('Input');
  });
});

describe('describeError with a message written as a sentence', () => {
  it('uses it instead of the code summary', () => {
    const t = describeError({
      code: 'NOT_FOUND',
      message: 'There is no block 99 yet: the chain is at height 7.',
      hint: 'Type a height from 1 to 7, or a transaction hash.',
    });
    expect(t.sentence).toBe('There is no block 99 yet: the chain is at height 7.');
    expect(t.specifics).toBeNull();
    expect(t.remedy).toBe('Type a height from 1 to 7, or a transaction hash.');
  });
});

describe('an error that says the same thing twice', () => {
  it('shows the summary and the remedy once, without a host message that only repeats them', () => {
    const e = new CharterError('PASSPHRASE_MISMATCH', 'the passphrase and its confirmation are not the same; no key was created').toJSON();
    const t = describeError(e);
    expect(t.sentence).toBe('The two passphrases are not the same.');
    expect(t.specifics).toBeNull();
    expect(t.remedy).toBe('Type the same passphrase in both fields. No key was created.');
    expect(`${t.sentence} ${t.specifics ?? ''} ${t.remedy}`.match(/created/g)).toHaveLength(1);
  });

  it('keeps specifics that say something new', () => {
    const e = new CharterError('INVALID_AMOUNT', '"1.5" is not a positive whole number of base units (1–31 decimal digits, no leading zero)').toJSON();
    expect(describeError(e).specifics).toContain('1–31 decimal digits');
  });
});

describe('key ids in messages', () => {
  const alice = '074911d3a0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f';
  const admin = '02340eb0aabbccddeeff00112233445566778899';
  const names = new Map([
    [alice, 'alice'],
    [admin, 'Devnet admin'],
  ]);

  it('names a known key id once with its start, then by name only; "key:<id>" owners too', () => {
    expect(nameKeyIds(`initiator ${alice} (owner key:${alice}) cannot approve`, names)).toBe('initiator alice (074911d3…) (owner alice) cannot approve');
    expect(nameKeyIds(`proposed by ${admin}`, names)).toBe('proposed by Devnet admin (02340eb0…)');
  });

  it('leaves unknown ids and other hex alone', () => {
    const other = 'ffffffffffffffffffffffffffffffffffffffff';
    expect(nameKeyIds(`key ${other} is not registered`, names)).toBe(`key ${other} is not registered`);
    expect(nameKeyIds(`digest ${'a'.repeat(64)}`, names)).toBe(`digest ${'a'.repeat(64)}`);
  });

  it('names ids in an error shown to a person, the raw message unchanged', () => {
    const e = new CharterError('SELF_APPROVAL', `Key ${alice} initiated this request and may not approve it.`).toJSON();
    const t = describeErrorNamed(e, names);
    expect(t.sentence).toBe('Key alice (074911d3…) initiated this request and may not approve it.');
    expect(e.message).toContain(alice);
  });
});
