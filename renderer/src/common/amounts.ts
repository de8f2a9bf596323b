/**
 * How amounts are shown. The chain knows amounts only as whole numbers of base
 * units (decimal strings) and has no asset metadata: neither the engine nor
 * the genesis file says how many decimals an asset has. Display is the
 * console's concern, so this small table names the decimals of well-known
 * assets; an asset not listed is shown in base units, grouped, and says so.
 * Amounts typed into the console are always base units (the fields say so),
 * and the base units stay visible on hover and in the detail views.
 */
import type { ReactNode } from 'react';
import { createElement } from 'react';

/** Decimals of well-known assets, by symbol (display only; nothing on chain depends on it). */
export const ASSET_DECIMALS: Readonly<Record<string, number>> = {
  USDC: 6,
  USDT: 6,
  EURC: 6,
  PYUSD: 6,
  DAI: 18,
  ETH: 18,
  WETH: 18,
  BTC: 8,
  WBTC: 8,
  SOL: 9,
};

export function assetDecimals(asset: string): number | null {
  return Object.prototype.hasOwnProperty.call(ASSET_DECIMALS, asset) ? (ASSET_DECIMALS[asset] ?? null) : null;
}

const group = new Intl.NumberFormat('en-US', { useGrouping: true });

/** "1234567" → "1,234,567" (exact for any length: BigInt, not a float). */
export function groupDigits(whole: string): string {
  if (!/^[0-9]+$/.test(whole)) return whole;
  return group.format(BigInt(whole));
}

/**
 * A base-unit amount in the asset's unit: "1000000" USDC → "1", "2500" USDC →
 * "0.0025", "1234567890" USDC → "1,234.56789". Unknown assets: grouped base units.
 * Not a whole number (never from the chain): returned as it is.
 */
export function amountInUnits(baseUnits: string, asset: string): string {
  if (!/^[0-9]+$/.test(baseUnits)) return baseUnits;
  const d = assetDecimals(asset);
  const digits = baseUnits.replace(/^0+(?=[0-9])/, '');
  if (d === null || d === 0) return groupDigits(digits);
  const padded = digits.padStart(d + 1, '0');
  const whole = padded.slice(0, padded.length - d);
  const frac = padded.slice(padded.length - d).replace(/0+$/, '');
  return frac ? `${groupDigits(whole)}.${frac}` : groupDigits(whole);
}

/** "1 USDC", or "2,500 base units of FOO" for an asset without known decimals. */
export function formatAmount(baseUnits: string, asset: string): string {
  const d = assetDecimals(asset);
  if (d === null) return `${groupDigits(baseUnits)} ${asset} (base units)`;
  return `${amountInUnits(baseUnits, asset)} ${asset}`;
}

/** An amount in words with its exact base units: "0.25 USDC (250000 base units)"; an asset without known decimals: formatAmount's "250,000 FOO (base units)". */
export function amountWithBaseUnits(baseUnits: string, asset: string): string {
  return assetDecimals(asset) === null ? formatAmount(baseUnits, asset) : `${formatAmount(baseUnits, asset)} (${baseUnits} base units)`;
}

/**
 * The engine's words, which know no decimals ("vault holds 1000000 base units of USDC";
 * "250000 of at most 500000 base units of USDC"), with known assets read in their unit:
 * "vault holds 1 USDC (1000000 base units)". Other text is returned as it is.
 */
export function unitsInText(text: string): string {
  return text
    .replace(/\b([0-9]+) of at most ([0-9]+) base units of ([A-Z0-9][A-Z0-9.-]{0,15})\b/g, (whole, a: string, b: string, asset: string) =>
      assetDecimals(asset) === null ? whole : `${formatAmount(a, asset)} of at most ${amountWithBaseUnits(b, asset)}`,
    )
    .replace(/\b([0-9]+) base units of ([A-Z0-9][A-Z0-9.-]{0,15})\b/g, (whole, n: string, asset: string) =>
      assetDecimals(asset) === null ? whole : amountWithBaseUnits(n, asset),
    );
}

/** What the hover shows: the exact base units. */
export function baseUnitsTitle(baseUnits: string, asset: string): string {
  const d = assetDecimals(asset);
  return d === null
    ? `${groupDigits(baseUnits)} base units of ${asset} (the console knows no decimals for ${asset})`
    : `${groupDigits(baseUnits)} base units (${asset} has ${d} decimals)`;
}

/** An amount as shown in tables and dialogs, with its base units on hover. */
export function Amount({ value, asset }: { value: string; asset: string }): ReactNode {
  return createElement('span', { className: 'amount', title: baseUnitsTitle(value, asset) }, formatAmount(value, asset));
}

export function balancesLine(b: Record<string, string>): string {
  const entries = Object.entries(b);
  return entries.length === 0 ? 'empty' : entries.map(([a, n]) => formatAmount(n, a)).join(', ');
}

/** Compare two whole base-unit amounts (decimal strings) exactly. */
export function compareBaseUnits(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
