/**
 * `charter bundle verify FILE.zip [--trust TRUST.json] [--json]`: offline, no
 * workspace, no node. The file is read into memory and verified there;
 * nothing is extracted. Exit 0 all checks pass, 1 any fails, 2 none fails but
 * some are unknown (64 for usage errors is the CLI's).
 */
import { parseStrictJson } from '../../core/evidence/jcs.js';
import fs from 'node:fs';
import { exitCodeOf, type Check, type TrustFileView, type VerifyReport } from '../../core/evidence/bundle/index.js';
import { CharterError } from '../../core/errors.js';
import { trustFromJson, verifyBundleBytes } from './bundles.js';
import { cleanText as t, jsonLine, say } from '../cli/output.js';

const MARK: Record<Check['verdict'], string> = { pass: 'PASS   ', fail: 'FAIL   ', unknown: 'UNKNOWN' };

export function formatReport(r: VerifyReport): string {
  const lines: string[] = [];
  // Subjects, details and member names come from the bundle: each is one line with no control characters.
  if (r.subject) lines.push(`${t(r.kind)} bundle for ${t(r.subject.type)} ${t(r.subject.id)} on ${t(r.subject.chain_id)} at height ${t(r.subject.height)}`);
  if (r.manifestSha256) lines.push(`manifest sha256 ${t(r.manifestSha256)}`);
  for (const c of r.checks) {
    lines.push(`${MARK[c.verdict]}  ${c.id}  ${t(c.title)}${c.verdict === 'pass' ? '' : ` [${t(c.reason)}]`}`);
    lines.push(`         ${t(c.detail)}`);
    for (const it of (c.verdict === 'pass' ? [] : (c.items ?? [])).slice(0, 20)) lines.push(`           - ${t(it.subject)}: ${t(it.reason)}: ${t(it.detail)}`);
  }
  lines.push(`verdict: ${r.verdict.toUpperCase()}`);
  return lines.join('\n');
}

/**
 * A trust file named on the command line, read strictly (evidence-log.md §2: no duplicate keys,
 * no byte-order mark) and checked. One that cannot be used is a usage error (exit 64): no
 * verdict can be given.
 */
export function readTrustFile(file: string): TrustFileView {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CharterError('USAGE', `cannot read the trust file ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (e) {
    throw new CharterError('USAGE', `the trust file ${file} is not JSON: ${(e as Error).message}`);
  }
  try {
    return trustFromJson(value);
  } catch (e) {
    throw new CharterError('USAGE', `the trust file ${file} cannot be used: ${(e as Error).message}`);
  }
}

export async function runBundleVerify(o: { file: string; trust?: string; json?: boolean }): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(o.file);
  } catch (e) {
    throw new CharterError('USAGE', `cannot read ${o.file}: ${(e as Error).message}`);
  }
  const trust = o.trust !== undefined ? readTrustFile(o.trust) : null;
  const { container: _c, ...report } = await verifyBundleBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { trust });
  if (o.json) jsonLine(report);
  else say(formatReport(report));
  return exitCodeOf(report.verdict);
}
