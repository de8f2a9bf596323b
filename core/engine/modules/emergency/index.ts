/**
 * The emergency module: emergency controls proposed and co-signed by
 * operators up to a quorum (vault freeze, key quarantine or revocation,
 * degraded mode), ratified or lifted by governance, and their block-level
 * lapse and expiry.
 */
import { toHex } from '../../../codec/index.js';
import { signingDigest, unsignedOf } from '../../../tx/codec.js';
import { keyOf, lookup, ownerOf } from '../../controls.js';
import { emergencyOf } from '../../genesis.js';
import { defineModule } from '../../module.js';
import type { ActionHandler } from '../../module.js';
import { chars, clone, ev, fail, MAX_REASON_CHARS } from '../../shared.js';
import { compareUtf8 } from '../../state-root.js';
import type { AbciEvent, EmergencyAction, EmergencyControlRecord, EngineState, KeyRecord, SignedEnvelope, VaultRecord } from '../../types.js';
import type { Effect, TxContext, Work } from '../../work.js';
import { emergencySpec } from './spec.js';
import type { EmergencyActions } from './spec.js';

export function controlOf(s: EngineState, id: string): EmergencyControlRecord {
  const c = lookup(s.controls, id);
  if (!c) fail('CONTROL_NOT_FOUND', `no emergency control ${JSON.stringify(id.slice(0, 64))}`);
  return c;
}

/** Validate that the action can take effect now (also at each signature). */
function checkEmergencyAction(s: EngineState, a: EmergencyAction, signer: string): void {
  if (a.type === 'vault.freeze') {
    const v = lookup(s.vaults, a.vault_id);
    if (!v) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
    if (v.frozen) fail('CONTROL_STATUS_CONFLICT', `vault ${v.vault_id} is already frozen by ${v.frozen.control_id}`);
  } else if (a.type === 'key.quarantine' || a.type === 'key.revoke') {
    const k = keyOf(s, a.key_id);
    if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(a.key_id.slice(0, 48))} is registered`);
    if (a.type === 'key.quarantine' && k.status !== 'active')
      fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}; only an active key can be quarantined`);
    if (a.type === 'key.revoke' && k.status !== 'active' && k.status !== 'quarantined') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
    if (k.key_id === signer) fail('KEY_STATUS_CONFLICT', `a key cannot ${a.type === 'key.revoke' ? 'revoke' : 'quarantine'} itself`);
    if (s.admins.includes(k.key_id) && a.type === 'key.revoke') fail('KEY_STATUS_CONFLICT', 'a genesis admin key cannot be revoked');
  } else {
    if (a.vault_id !== undefined) {
      const v = lookup(s.vaults, a.vault_id);
      if (!v) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
      if (v.degraded) fail('CONTROL_STATUS_CONFLICT', `vault ${v.vault_id} is already in degraded mode`);
    } else if (s.mode?.degraded) fail('CONTROL_STATUS_CONFLICT', 'the chain is already in degraded mode');
  }
}

function controlAttrs(c: EmergencyControlRecord): [string, string | number][] {
  const a = c.action;
  const out: [string, string | number][] = [
    ['control_id', c.control_id],
    ['action', a.type],
  ];
  if (a.type === 'key.quarantine' || a.type === 'key.revoke') out.push(['key_id', a.key_id]);
  else if (a.vault_id !== undefined) out.push(['vault_id', a.vault_id]);
  return out;
}

/** Put the control's effect in force (it was validated). */
function activate(s: EngineState, c: EmergencyControlRecord, height: number): { rec: EmergencyControlRecord; apply: (w: Work) => void; events: AbciEvent[] } {
  const em = emergencyOf(s.params);
  const until = height + c.expires_in_blocks;
  const rec: EmergencyControlRecord = { ...c, status: 'active', activated_at: height, expires_at: until, ratify_by: height + em.ratification_window_blocks };
  const hold = { control_id: c.control_id, until };
  const a = c.action;
  const events: AbciEvent[] = [
    ev('security.control_activated', [...controlAttrs(c), ['expires_at', until], ['ratify_by', rec.ratify_by as number], ['signatures', c.signatures.length]]),
  ];
  let apply: (w: Work) => void;
  if (a.type === 'vault.freeze') {
    const v = s.vaults[a.vault_id] as VaultRecord;
    apply = (w) => w.putVault({ ...v, frozen: hold });
    events.push(
      ev('security.vault_frozen', [
        ['vault_id', a.vault_id],
        ['control_id', c.control_id],
        ['until', until],
      ]),
    );
  } else if (a.type === 'key.quarantine') {
    const k = keyOf(s, a.key_id) as KeyRecord;
    apply = (w) => w.putKey({ ...k, status: 'quarantined', quarantine: { reason: c.reason, since: height, by: c.proposer, control_id: c.control_id } });
    events.push(
      ev('security.key_quarantined', [
        ['key_id', a.key_id],
        ['reason', c.reason],
        ['by', c.proposer],
        ['control_id', c.control_id],
      ]),
    );
  } else if (a.type === 'key.revoke') {
    const k = keyOf(s, a.key_id) as KeyRecord;
    const rec: KeyRecord = { ...k, status: 'revoked', ended: { reason: c.reason, height, by: c.control_id } };
    delete rec.quarantine;
    apply = (w) => w.putKey(rec);
    events.push(
      ev('security.key_revoked', [
        ['key_id', a.key_id],
        ['reason', c.reason],
        ['control_id', c.control_id],
      ]),
    );
  } else if (a.vault_id !== undefined) {
    const v = s.vaults[a.vault_id] as VaultRecord;
    apply = (w) => w.putVault({ ...v, degraded: hold });
    events.push(
      ev('security.degraded_entered', [
        ['vault_id', a.vault_id],
        ['control_id', c.control_id],
        ['until', until],
      ]),
    );
  } else {
    apply = (w) => w.putMode({ degraded: hold });
    events.push(
      ev('security.degraded_entered', [
        ['vault_id', ''],
        ['control_id', c.control_id],
        ['until', until],
      ]),
    );
  }
  return {
    rec,
    apply: (w) => {
      apply(w);
      w.putControl(rec);
    },
    events,
  };
}

/** End a control's effect (if it is still the one in force). */
function deactivate(s: EngineState, c: EmergencyControlRecord, w: Work, reason: string): AbciEvent[] {
  const a = c.action;
  if (a.type === 'vault.freeze') {
    const v = lookup(s.vaults, a.vault_id);
    if (v?.frozen?.control_id !== c.control_id) return [];
    const rec: VaultRecord = { ...v };
    delete rec.frozen;
    w.putVault(rec);
    return [
      ev('security.vault_unfrozen', [
        ['vault_id', a.vault_id],
        ['control_id', c.control_id],
        ['reason', reason],
      ]),
    ];
  }
  if (a.type === 'key.quarantine') {
    const k = keyOf(s, a.key_id);
    if (!k || k.status !== 'quarantined' || k.quarantine?.control_id !== c.control_id) return [];
    const rec: KeyRecord = { ...k, status: 'active' };
    delete rec.quarantine;
    w.putKey(rec);
    return [
      ev('security.key_released', [
        ['key_id', a.key_id],
        ['reason', reason],
        ['by', ''],
        ['control_id', c.control_id],
      ]),
    ];
  }
  if (a.type === 'key.revoke') {
    // A ratified revocation is permanent; an unratified one lapses (or is lifted) and the key is active again.
    const k = keyOf(s, a.key_id);
    if (reason === 'expired' || !k || k.status !== 'revoked' || k.ended?.by !== c.control_id) return [];
    const rec: KeyRecord = { ...k, status: 'active' };
    delete rec.ended;
    w.putKey(rec);
    return [
      ev('security.key_reinstated', [
        ['key_id', a.key_id],
        ['control_id', c.control_id],
        ['reason', reason],
      ]),
    ];
  }
  if (a.vault_id !== undefined) {
    const v = lookup(s.vaults, a.vault_id);
    if (v?.degraded?.control_id !== c.control_id) return [];
    const rec: VaultRecord = { ...v };
    delete rec.degraded;
    w.putVault(rec);
    return [
      ev('security.degraded_exited', [
        ['vault_id', a.vault_id],
        ['control_id', c.control_id],
        ['reason', reason],
      ]),
    ];
  }
  if (s.mode?.degraded?.control_id !== c.control_id) return [];
  w.putMode({ degraded: null });
  return [
    ev('security.degraded_exited', [
      ['vault_id', ''],
      ['control_id', c.control_id],
      ['reason', reason],
    ]),
  ];
}

/** Distinct owners among the signatures of keys that are active operators now. */
function emergencySigners(s: EngineState, c: EmergencyControlRecord): number {
  const owners = new Set<string>();
  for (const g of c.signatures) {
    const k = keyOf(s, g.key_id);
    if (k && k.status === 'active' && k.roles.includes('operator')) owners.add(ownerOf(s, g.key_id));
  }
  return owners.size;
}

function emergencyPropose(s: EngineState, env: SignedEnvelope<'emergency.propose'>, ctx: TxContext): Effect {
  const b = env.body;
  const em = emergencyOf(s.params);
  if (!Number.isSafeInteger(b.expires_in_blocks) || b.expires_in_blocks < 1 || b.expires_in_blocks > em.max_expiry_blocks)
    fail('INVALID_FIELD', `expires_in_blocks must be 1–${em.max_expiry_blocks}`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  checkEmergencyAction(s, b.action, env.signer);
  const id = 'ec-' + toHex(signingDigest(unsignedOf(env))).slice(0, 24);
  if (lookup(s.controls, id) !== undefined) fail('CONTROL_STATUS_CONFLICT', `control ${id} exists`);
  const c: EmergencyControlRecord = {
    control_id: id,
    action: clone(b.action),
    reason: b.reason,
    proposer: env.signer,
    created_at: ctx.height,
    signatures: [{ key_id: env.signer, height: ctx.height }],
    expires_in_blocks: b.expires_in_blocks,
    status: 'collecting',
    activated_at: null,
    expires_at: null,
    ratify_by: null,
    proposal_id: null,
    ended_at: null,
  };
  const events = [ev('security.control_proposed', [...controlAttrs(c), ['proposer', env.signer], ['quorum', em.quorum]])];
  if (emergencySigners(s, c) >= em.quorum) {
    const x = activate(s, c, ctx.height);
    return { apply: x.apply, data: { control_id: id, status: 'active' }, events: [...events, ...x.events] };
  }
  return { apply: (w) => w.putControl(c), data: { control_id: id, status: 'collecting' }, events };
}

function emergencySign(s: EngineState, env: SignedEnvelope<'emergency.sign'>, ctx: TxContext): Effect {
  const c = controlOf(s, env.body.control_id);
  if (c.status !== 'collecting') fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}, not collecting signatures`);
  if (c.signatures.some((g) => g.key_id === env.signer || ownerOf(s, g.key_id) === ownerOf(s, env.signer)))
    fail('DUPLICATE_SIGNATURE', `key ${env.signer} (or its owner) has already signed control ${c.control_id}`);
  checkEmergencyAction(s, c.action, c.proposer);
  const next: EmergencyControlRecord = { ...c, signatures: [...c.signatures, { key_id: env.signer, height: ctx.height }] };
  const events = [ev('security.control_signed', [...controlAttrs(c), ['key_id', env.signer], ['signatures', next.signatures.length]])];
  if (emergencySigners(s, next) >= emergencyOf(s.params).quorum) {
    const x = activate(s, next, ctx.height);
    return { apply: x.apply, data: { control_id: c.control_id, status: 'active' }, events: [...events, ...x.events] };
  }
  return { apply: (w) => w.putControl(next), data: { control_id: c.control_id, status: 'collecting' }, events };
}

/** The governance actions on a control: ratify (keeps it until its expiry) or lift (ends it now). */
const controlAction: ActionHandler<EmergencyActions['emergency.ratify'] | EmergencyActions['emergency.lift']> = (s, _env, a, proposalId, ctx) => {
  const c = controlOf(s, a.control_id);
  if (a.type === 'emergency.ratify') {
    if (c.status !== 'active') fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}; only an active control can be ratified`);
    const rec: EmergencyControlRecord = { ...c, status: 'ratified', proposal_id: proposalId };
    return { apply: (w) => w.putControl(rec), data: undefined, events: [ev('security.control_ratified', [...controlAttrs(c), ['proposal_id', proposalId]])] };
  }
  if (c.status !== 'active' && c.status !== 'ratified')
    fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}; only an active or ratified control can be lifted`);
  const rec: EmergencyControlRecord = { ...c, status: 'lifted', proposal_id: proposalId, ended_at: ctx.height };
  return {
    apply: (w) => {
      deactivate(w.s, c, w, 'lifted by governance');
      w.putControl(rec);
    },
    data: undefined,
    events: [ev('security.control_lifted', [...controlAttrs(c), ['proposal_id', proposalId]])],
  };
};

/** Block-level: collecting controls past their window and active ones not ratified in time lapse; active/ratified ones at expires_at expire. */
function runEmergencyDue(w: Work, height: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  if (w.ctl.size === 0) return events;
  for (const id of [...w.ctl].sort(compareUtf8)) {
    const c = w.s.controls[id] as EmergencyControlRecord;
    const window = emergencyOf(w.s.params).ratification_window_blocks;
    if (c.status === 'collecting' && height > c.created_at + window) {
      w.putControl({ ...c, status: 'lapsed', ended_at: height });
      events.push(ev('security.control_lapsed', [...controlAttrs(c), ['reason', 'quorum_not_reached']]));
    } else if ((c.status === 'active' || c.status === 'ratified') && height >= (c.expires_at as number)) {
      const undo = deactivate(w.s, c, w, 'expired');
      w.putControl({ ...c, status: 'expired', ended_at: height });
      events.push(ev('security.control_expired', controlAttrs(c)), ...undo);
    } else if (c.status === 'active' && height > (c.ratify_by as number)) {
      const undo = deactivate(w.s, c, w, 'not ratified');
      w.putControl({ ...c, status: 'lapsed', ended_at: height });
      events.push(ev('security.control_lapsed', [...controlAttrs(c), ['reason', 'not_ratified']]), ...undo);
    }
  }
  return events;
}

export const emergency = defineModule({
  spec: emergencySpec,
  txs: {
    'emergency.propose': emergencyPropose,
    'emergency.sign': emergencySign,
  },
  actions: {
    'emergency.ratify': controlAction,
    'emergency.lift': controlAction,
  },
  beginBlock: runEmergencyDue,
});
