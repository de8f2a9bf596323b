/**
 * Pre-check: the verdict of every control for a transaction or a pending
 * request, computed from the state without changing it. The console shows it
 * beside every request before anyone signs; the engine answers it at
 * /precheck/<request id>.
 */
import { CharterError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { approvalTally, attestationTally, keyOf, lookup, ownerOf, timeSeconds, txLimitOf, velocityRoom, velocityUse, whitelisted } from './controls.js';
import { validateTx } from './validate.js';
import type { EngineState, SignedEnvelope, UnsignedEnvelope, VaultRecord, WithdrawalRecord } from './types.js';

export type ControlStatus = 'met' | 'not_met' | 'waiting' | 'not_applicable';

export interface ControlVerdict {
  control: string;
  status: ControlStatus;
  detail: string;
  numbers?: Record<string, number | string>;
}

export interface SimulateResult {
  ok: boolean;
  code: ErrorCode | null;
  controls: ControlVerdict[];
}

export interface At {
  height: number;
  time: string;
}

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The controls of a request as they stand at `at`. */
export function requestControls(s: EngineState, vault: VaultRecord, req: WithdrawalRecord, at: At): ControlVerdict[] {
  const out: ControlVerdict[] = [];
  const p = vault.policy;
  const t = approvalTally(s, vault, req);
  out.push({
    control: 'approvals',
    status: t.weight >= t.threshold ? 'met' : 'waiting',
    detail: `${t.weight} of ${t.threshold}${p.weights ? ' weight' : ''} approvals`,
    numbers: { have: t.weight, need: t.threshold, counted: t.counted.length, ignored: t.ignored.length },
  });
  const quarantined = [...t.ignored, ...(attestationTally(s, vault, req)?.ignored ?? [])].filter(
    (i) => i.why === 'quarantined' || i.why === 'revalidation_due',
  );
  out.push({
    control: 'quarantine',
    status: quarantined.length ? 'not_met' : 'met',
    detail: quarantined.length
      ? `${quarantined.length} approval(s)/attestation(s) from quarantined keys do not count: ${quarantined.map((q) => q.key_id).join(', ')}`
      : 'no quarantined key among the signers',
    numbers: { discounted: quarantined.length },
  });
  out.push({
    control: 'separation_of_duties',
    status: t.ignored.some((i) => i.why === 'same_owner' || i.why === 'same_owner_as_initiator') ? 'not_met' : 'met',
    detail: `initiator ${req.initiator} (owner ${ownerOf(s, req.initiator)}) cannot approve; keys of one owner count once`,
  });
  const gate = attestationTally(s, vault, req);
  if (gate === null) out.push({ control: 'attestation', status: 'not_applicable', detail: 'the vault has no attestation gate' });
  else
    out.push({
      control: 'attestation',
      status: gate.weight >= gate.threshold ? 'met' : 'waiting',
      detail: `${gate.weight} of ${gate.threshold} attestations of type ${p.attestation?.type ?? ''}`,
      numbers: { have: gate.weight, need: gate.threshold },
    });
  const lock = p.timelock_blocks ?? 0;
  if (lock === 0) out.push({ control: 'timelock', status: 'not_applicable', detail: 'no timelock: executes at the last approval' });
  else if (req.executable_at !== undefined)
    out.push({
      control: 'timelock',
      status: req.executable_at <= at.height ? 'met' : 'waiting',
      detail: `timelock ends at height ${req.executable_at}`,
      numbers: { ends_at_height: req.executable_at, blocks: lock },
    });
  else out.push({ control: 'timelock', status: 'waiting', detail: `${lock} blocks after the last approval`, numbers: { blocks: lock } });
  const limit = txLimitOf(vault, req.asset);
  if (limit === null) out.push({ control: 'tx_limit', status: 'not_applicable', detail: `no per-transaction limit for ${req.asset}` });
  else
    out.push({
      control: 'tx_limit',
      status: BigInt(req.amount) <= limit ? 'met' : 'not_met',
      detail: `${req.amount} of at most ${limit} base units of ${req.asset}`,
      numbers: { amount: req.amount, limit: limit.toString() },
    });
  const vel = velocityUse(vault, req.asset, timeSeconds(at.time));
  if (vel === null) out.push({ control: 'velocity', status: 'not_applicable', detail: `no velocity limit for ${req.asset}` });
  else {
    const room = velocityRoom(vel, BigInt(req.amount));
    const pct =
      vel.max_amount !== null && vel.max_amount > 0n
        ? Number((vel.used_amount * 100n) / vel.max_amount)
        : vel.max_count
          ? Math.floor((vel.used_count * 100) / vel.max_count)
          : 0;
    out.push({
      control: 'velocity',
      status: room ? 'met' : 'waiting',
      detail: `${pct}% of the ${vel.window_seconds}s window used`,
      numbers: {
        used_percent: pct,
        used_amount: vel.used_amount.toString(),
        used_count: vel.used_count,
        ...(vel.max_amount !== null ? { max_amount: vel.max_amount.toString() } : {}),
        ...(vel.max_count !== null ? { max_count: vel.max_count } : {}),
        window_seconds: vel.window_seconds,
      },
    });
  }
  if (!p.whitelist) out.push({ control: 'whitelist', status: 'not_applicable', detail: 'the vault has no destination whitelist' });
  else
    out.push({
      control: 'whitelist',
      status: whitelisted(vault, req.destination) ? 'met' : 'not_met',
      detail: `destination ${req.destination} ${whitelisted(vault, req.destination) ? 'is' : 'is not'} whitelisted`,
    });
  const balance = hasOwn(vault.balances, req.asset) ? BigInt(vault.balances[req.asset] as string) : 0n;
  out.push({
    control: 'balance',
    status: BigInt(req.amount) <= balance ? 'met' : 'not_met',
    detail: `vault holds ${balance} base units of ${req.asset}`,
    numbers: { balance: balance.toString(), amount: req.amount },
  });
  const deg = s.mode?.degraded ?? vault.degraded;
  out.push({
    control: 'degraded_mode',
    status: deg ? 'not_met' : 'met',
    detail: deg
      ? `${s.mode?.degraded ? 'the chain' : `vault ${vault.vault_id}`} is in degraded mode until height ${deg.until} (control ${deg.control_id})`
      : 'not in degraded mode',
    ...(deg ? { numbers: { until: deg.until } } : {}),
  });
  out.push({
    control: 'freeze',
    status: vault.frozen ? 'not_met' : 'met',
    detail: vault.frozen
      ? `vault ${vault.vault_id} is frozen until height ${vault.frozen.until} (control ${vault.frozen.control_id})`
      : 'the vault is not frozen',
    ...(vault.frozen ? { numbers: { until: vault.frozen.until } } : {}),
  });
  return out;
}

/** The control list of a pending (or any) request at `at`. Throws CharterError('REQUEST_NOT_FOUND') for an unknown id. */
export function precheckRequest(s: EngineState, requestId: string, at: At): SimulateResult & { request_id: string; status: string } {
  const req = lookup(s.requests, requestId);
  if (!req) throw new CharterError('REQUEST_NOT_FOUND', `no withdrawal request ${requestId}`);
  const vault = s.vaults[req.vault_id] as VaultRecord;
  const controls = requestControls(s, vault, req, at);
  const blocking = controls.find((c) => c.status === 'not_met' && c.control !== 'quarantine' && c.control !== 'separation_of_duties');
  return { request_id: requestId, status: req.status, ok: blocking === undefined, code: blocking ? codeOf(blocking.control) : null, controls };
}

function codeOf(control: string): ErrorCode {
  switch (control) {
    case 'tx_limit':
      return 'LIMIT_EXCEEDED';
    case 'whitelist':
      return 'DESTINATION_NOT_WHITELISTED';
    case 'velocity':
      return 'VELOCITY_EXCEEDED';
    case 'degraded_mode':
      return 'DEGRADED_MODE';
    case 'freeze':
      return 'VAULT_FROZEN';
    default:
      return 'INSUFFICIENT_BALANCE';
  }
}

/**
 * Simulate a transaction (signed or not; the signature is not checked) at
 * `at` against `s`, without changing it: whether the engine would accept it,
 * its rejection code, and for withdrawal transactions the verdict of every
 * control on the request as it would stand afterwards.
 */
export function simulate(state: EngineState, env: SignedEnvelope | UnsignedEnvelope, at: At): SimulateResult {
  const s = state;
  let code: ErrorCode | null = null;
  try {
    validateTx(s, env, { height: at.height, now: timeSeconds(at.time), txHash: '0'.repeat(64) }, null);
  } catch (e) {
    if (e instanceof CharterError) code = e.code;
    else code = 'TX_MALFORMED';
  }
  let controls: ControlVerdict[] = [];
  const b = env.body as { request_id?: string; vault_id?: string; asset?: string; amount?: string; destination?: string; memo?: string };
  if (
    (env.type === 'withdrawal.approve' || env.type === 'withdrawal.attest') &&
    typeof b.request_id === 'string' &&
    lookup(s.requests, b.request_id) !== undefined
  ) {
    const req = s.requests[b.request_id] as WithdrawalRecord;
    const vault = s.vaults[req.vault_id] as VaultRecord;
    const next: WithdrawalRecord =
      env.type === 'withdrawal.approve'
        ? { ...req, approvals: [...req.approvals, { key_id: env.signer, height: at.height, tx_hash: '0'.repeat(64) }] }
        : {
            ...req,
            attestations: [
              ...(req.attestations ?? []),
              {
                key_id: env.signer,
                attestation_type: String((env.body as { attestation_type?: string }).attestation_type),
                claim_ref: '',
                height: at.height,
                tx_hash: '0'.repeat(64),
              },
            ],
          };
    controls = requestControls(s, vault, code === null ? next : req, at);
  } else if (env.type === 'withdrawal.create' && typeof b.vault_id === 'string' && lookup(s.vaults, b.vault_id) !== undefined) {
    const vault = s.vaults[b.vault_id] as VaultRecord;
    const req: WithdrawalRecord = {
      request_id: 'wr-' + '0'.repeat(24),
      vault_id: b.vault_id,
      asset: String(b.asset),
      amount: String(b.amount),
      destination: String(b.destination),
      memo: String(b.memo),
      initiator: env.signer,
      created_at: at.height,
      created_tx: '0'.repeat(64),
      approvals: [],
      status: 'pending',
      executed_at: null,
      executed_tx: null,
      failure: null,
    };
    if (/^[1-9][0-9]{0,30}$/.test(req.amount)) controls = requestControls(s, vault, req, at);
  }
  const signer = keyOf(s, env.signer);
  controls.unshift({
    control: 'signer',
    status: signer ? (signer.status === 'active' ? 'met' : 'not_met') : 'not_met',
    detail: signer ? `key ${signer.key_id} is ${signer.status}; roles ${signer.roles.join(', ') || 'none'}` : `key ${env.signer} is not registered`,
  });
  return { ok: code === null, code, controls };
}
