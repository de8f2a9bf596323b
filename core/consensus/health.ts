/**
 * Consensus health from a validator set and who signed: whether the power
 * online is above the two thirds CometBFT needs to commit, and when it is not,
 * a sentence saying so. Pure; the console's Nodes view and `charter net
 * status` say it the same way.
 */

export interface ValidatorPower {
  /** Upper-case hex consensus address. */
  address: string;
  power: number;
}

export interface ConsensusHealth {
  totalPower: number;
  onlinePower: number;
  /** Validators counted offline, and how many validators there are. */
  offline: number;
  count: number;
  /** online > 2/3 of total: blocks can be committed. */
  quorum: boolean;
  warning: string | null;
}

/** The warning for `offline` of `validators` validators holding `offlinePower` of `totalPower`, or null with quorum. */
export function quorumWarning(offline: number, validators: number, offlinePower: number, totalPower: number): string | null {
  if (totalPower <= 0) return 'no validator answers: the network is down';
  const online = totalPower - offlinePower;
  if (online * 3 > totalPower * 2) return null;
  return `consensus cannot progress: ${offline} of ${validators} validators (${Math.round((offlinePower * 100) / totalPower)} % of power) are offline`;
}

/** Health with `online` the addresses counted online (e.g. those that signed the latest canonical commit). */
export function consensusHealth(set: readonly ValidatorPower[], online: ReadonlySet<string>): ConsensusHealth {
  let totalPower = 0;
  let onlinePower = 0;
  let offline = 0;
  for (const v of set) {
    totalPower += v.power;
    if (online.has(v.address)) onlinePower += v.power;
    else offline++;
  }
  const warning = quorumWarning(offline, set.length, totalPower - onlinePower, totalPower);
  return { totalPower, onlinePower, offline, count: set.length, quorum: totalPower > 0 && onlinePower * 3 > totalPower * 2, warning };
}
