/**
 * The engine's query routes (docs/formats/transactions.md, "Queries") over the
 * committed state: records by id, lists, the pre-check of a request, the
 * state root and entry proofs.
 */
import { toHex } from '../codec/index.js';
import { KEY_ID_RE } from '../tx/codec.js';
import { lookup } from './controls.js';
import { controlOf } from './modules/emergency/index.js';
import { tallyOf } from './modules/governance/index.js';
import { fail } from './shared.js';
import { precheckRequest } from './simulate.js';
import { compareUtf8 } from './state-root.js';
import type { RootCache } from './state-root.js';
import type { EngineState, ProposalRecord, ValidatorRecord, VaultRecord, WithdrawalRecord, EmergencyControlRecord } from './types.js';

/**
 * The answer to a query path, or a CharterError (UNKNOWN_QUERY, or the code of
 * what is missing). `proofs` gives the root cache of the committed state (for
 * /proof).
 */
export function answerQuery(s: EngineState, path: string, root: Uint8Array, proofs: () => RootCache): unknown {
  if (typeof path !== 'string') fail('UNKNOWN_QUERY', 'query path is not a string');
  const q = path.indexOf('?');
  const route = q < 0 ? path : path.slice(0, q);
  const search = q < 0 ? null : path.slice(q + 1);
  const parts = route.split('/');
  if (parts[0] !== '' || parts.length < 2) fail('UNKNOWN_QUERY', `unknown query path ${JSON.stringify(path)}`);
  const [, head, ...rest] = parts;
  const arg = rest.join('/');
  const noSearch = () => {
    if (search !== null) fail('UNKNOWN_QUERY', `query path ${JSON.stringify(route)} takes no parameters`);
  };

  switch (head) {
    case 'key':
      if (rest.length === 1 && arg) {
        noSearch();
        const k = lookup(s.keys, arg);
        if (!k) fail('UNKNOWN_SIGNER', `no key ${arg} is registered`);
        return k;
      }
      break;
    case 'keys':
      if (rest.length === 0) {
        noSearch();
        return Object.keys(s.keys)
          .map((id) => s.keys[id] as NonNullable<(typeof s.keys)[string]>)
          .sort((a, b) => a.registered_at - b.registered_at || compareUtf8(a.key_id, b.key_id));
      }
      break;
    case 'account':
      if (rest.length === 1 && arg) {
        noSearch();
        if (!KEY_ID_RE.test(arg)) fail('INVALID_FIELD', `${JSON.stringify(arg)} is not a key id (40 lower-case hex digits)`);
        const a = lookup(s.accounts, arg);
        return { key_id: arg, nonce: a ? a.nonce : 0 };
      }
      break;
    case 'vault':
      if (rest.length === 1 && arg) {
        noSearch();
        const v = lookup(s.vaults, arg);
        if (!v) fail('VAULT_NOT_FOUND', `no vault ${arg}`);
        return v;
      }
      break;
    case 'vaults':
      if (rest.length === 0) {
        noSearch();
        return Object.keys(s.vaults)
          .sort(compareUtf8)
          .map((id) => s.vaults[id]);
      }
      break;
    case 'request':
      if (rest.length === 1 && arg) {
        noSearch();
        const r = lookup(s.requests, arg);
        if (!r) fail('REQUEST_NOT_FOUND', `no withdrawal request ${arg}`);
        return r;
      }
      break;
    case 'precheck':
      if (rest.length === 1 && arg) {
        noSearch();
        if (lookup(s.requests, arg) === undefined) fail('REQUEST_NOT_FOUND', `no withdrawal request ${arg}`);
        return precheckRequest(s, arg, { height: s.height + 1, time: s.time });
      }
      break;
    case 'requests':
      if (rest.length === 0) {
        let vault: string | null = null;
        if (search !== null) {
          const m = /^vault=([a-z0-9-]+)$/.exec(search);
          if (!m) fail('UNKNOWN_QUERY', `unknown parameters ${JSON.stringify(search)}; /requests takes ?vault=<vault id>`);
          vault = m[1] as string;
          if (lookup(s.vaults, vault) === undefined) fail('VAULT_NOT_FOUND', `no vault ${vault}`);
        }
        return Object.keys(s.requests)
          .map((id) => s.requests[id] as WithdrawalRecord)
          .filter((r) => vault === null || r.vault_id === vault)
          .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.request_id, b.request_id));
      }
      break;
    case 'proposal':
      if (rest.length === 1 && arg) {
        noSearch();
        const p = lookup(s.proposals, arg);
        if (!p) fail('PROPOSAL_NOT_FOUND', `no proposal ${arg}`);
        return { ...p, tally: tallyOf(s, p) };
      }
      break;
    case 'proposals':
      if (rest.length === 0) {
        let status: string | null = null;
        if (search !== null) {
          const m = /^status=(open|passed|rejected|expired|executed)$/.exec(search);
          if (!m) fail('UNKNOWN_QUERY', `unknown parameters ${JSON.stringify(search)}; /proposals takes ?status=open|passed|rejected|expired|executed`);
          status = m[1] as string;
        }
        return Object.keys(s.proposals)
          .map((id) => s.proposals[id] as ProposalRecord)
          .filter((p) => status === null || p.status === status)
          .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.proposal_id, b.proposal_id));
      }
      break;
    case 'control':
      if (rest.length === 1 && arg) {
        noSearch();
        return controlOf(s, arg);
      }
      break;
    case 'controls':
      if (rest.length === 0) {
        noSearch();
        return Object.keys(s.controls)
          .map((id) => s.controls[id] as EmergencyControlRecord)
          .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.control_id, b.control_id));
      }
      break;
    case 'mode':
      if (rest.length === 0) {
        noSearch();
        return {
          degraded: s.mode?.degraded ?? null,
          vaults: Object.keys(s.vaults)
            .sort(compareUtf8)
            .map((id) => s.vaults[id] as VaultRecord)
            .filter((v) => v.degraded || v.frozen)
            .map((v) => ({ vault_id: v.vault_id, degraded: v.degraded ?? null, frozen: v.frozen ?? null })),
        };
      }
      break;
    case 'validators':
      if (rest.length === 0) {
        noSearch();
        return Object.keys(s.validators)
          .sort(compareUtf8)
          .map((id) => s.validators[id] as ValidatorRecord)
          .filter((v) => v.removed_at === null);
      }
      break;
    case 'params':
      if (rest.length === 0) {
        noSearch();
        return s.params;
      }
      break;
    case 'admins':
      if (rest.length === 0) {
        noSearch();
        return [...s.admins].sort(compareUtf8);
      }
      break;
    case 'root':
      if (rest.length === 0) {
        noSearch();
        return { height: s.height, app_hash: toHex(root).toUpperCase() };
      }
      break;
    case 'proof':
      if (rest.length >= 1 && arg) {
        noSearch();
        const proof = proofs().proof(arg);
        if (!proof) fail('NOT_IN_STATE', `the state has no entry ${JSON.stringify(arg)}`);
        return { height: s.height, app_hash: toHex(root).toUpperCase(), key: arg, value: entryValue(s, arg), proof };
      }
      break;
    default:
      break;
  }
  return fail('UNKNOWN_QUERY', `unknown query path ${JSON.stringify(path)}`);
}

/** The value of one state-root entry (as stateEntries gives it). */
function entryValue(s: EngineState, key: string): unknown {
  if (key === 'chain') return { chain_id: s.chain_id };
  if (key === 'params') return s.params;
  if (key === 'admins') return [...s.admins].sort(compareUtf8);
  if (key === 'mode') return s.mode;
  const i = key.indexOf('/');
  const kind = key.slice(0, i);
  const id = key.slice(i + 1);
  const m =
    kind === 'key'
      ? s.keys
      : kind === 'account'
        ? s.accounts
        : kind === 'vault'
          ? s.vaults
          : kind === 'proposal'
            ? s.proposals
            : kind === 'validator'
              ? s.validators
              : kind === 'control'
                ? s.controls
                : s.requests;
  return (m as Record<string, unknown>)[id];
}
