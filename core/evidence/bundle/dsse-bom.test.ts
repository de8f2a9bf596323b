// DSSE envelopes and their payloads go through the strict byte parser: a byte-order mark is refused, not stripped.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../codec/index.js';
import { openEnvelope } from './dsse.js';
import { IN_TOTO_PAYLOAD_TYPE } from './types.js';

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const withBom = (b: Uint8Array) => new Uint8Array([...BOM, ...b]);
const envelope = (payload: Uint8Array) =>
  utf8(JSON.stringify({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: Buffer.from(payload).toString('base64'), signatures: [{ keyid: 'k', sig: 'AA==' }] }));

describe('openEnvelope and a byte-order mark', () => {
  const statement = utf8('{"_type":"https://in-toto.io/Statement/v1"}');
  it('opens the envelope without one', () => {
    expect(openEnvelope(envelope(statement)).ok).toBe(true);
  });
  it('refuses one before the envelope', () => {
    const r = openEnvelope(withBom(envelope(statement)));
    expect(r).toMatchObject({ ok: false, reason: 'ATTESTATION_INVALID' });
    expect(r.ok ? '' : r.detail).toMatch(/byte-order mark/);
  });
  it('refuses one before the payload', () => {
    const r = openEnvelope(envelope(withBom(statement)));
    expect(r).toMatchObject({ ok: false, reason: 'ATTESTATION_INVALID' });
    expect(r.ok ? '' : r.detail).toMatch(/byte-order mark/);
  });
});
