/**
 * Public keys as PEM SubjectPublicKeyInfo, for tools outside Charter (OpenSSL,
 * securesystemslib, cosign …) that verify bundle attestations
 * (docs/formats/evidence-bundle.md §4):
 *
 *   charter keys pem KEY_ID [--workspace DIR] [--json]   a key of the workspace's key backends
 *   charter trust pem TRUST_FILE KEY_ID [--json]         a key a trust file names (keys, witnesses or attesters)
 *
 * Only public keys: nothing is unlocked, nothing is signed, nothing is audited.
 */
import type { Command } from 'commander';
import { fromHex } from '../../core/codec/index.js';
import { isSignatureScheme } from '../../core/crypto/ed25519.js';
import { spkiPem } from '../../core/crypto/spki.js';
import { CharterError } from '../../core/errors.js';
import { jsonLine } from './output.js';

const KEY_ID = /^[0-9a-f]{40}$/;

/** Print one public key: the PEM text, or with --json {keyId, scheme, publicKey, pem}. */
export function printPem(k: { keyId: string; scheme: string; publicKey: string }, json: boolean | undefined): void {
  if (!isSignatureScheme(k.scheme))
    throw new CharterError('INVALID_KEY', `key ${k.keyId} has scheme ${JSON.stringify(k.scheme)}, which has no PEM form here (ed25519, p256, secp256k1)`);
  let pem: string;
  try {
    pem = spkiPem(k.scheme, fromHex(k.publicKey));
  } catch (e) {
    if (e instanceof CharterError) throw new CharterError(e.code, `key ${k.keyId}: ${e.message}`);
    throw new CharterError('INVALID_KEY', `key ${k.keyId}: the public key is not hex`);
  }
  if (json) jsonLine({ keyId: k.keyId, scheme: k.scheme, publicKey: k.publicKey, pem });
  else process.stdout.write(pem);
}

export function checkKeyId(keyId: string, where: string): void {
  if (!KEY_ID.test(keyId)) throw new CharterError('USAGE', `KEY_ID is 40 lower-case hex characters (see ${where})`);
}

/** `charter trust …`: trust files (docs/formats/evidence-log.md, trust file). */
export function registerTrustCommands(program: Command): void {
  const trust = program.command('trust').description('trust files: the keys that may sign checkpoints and bundle attestations');
  trust
    .command('pem')
    .description('print a public key a trust file names as PEM SubjectPublicKeyInfo, for other verifiers (works offline)')
    .argument('<trustFile>', 'the trust file (JSON)')
    .argument('<keyId>', 'key id (40 hex characters)')
    .option('--json', 'machine-readable output: {keyId, scheme, publicKey, pem}')
    .action(async (file: string, keyId: string, o: { json?: boolean }) => {
      checkKeyId(keyId, "the trust file's key_id fields");
      const { readTrustFile } = await import('../evidence/cli.js');
      const t = readTrustFile(file);
      const k = [...t.keys, ...(t.witnesses?.keys ?? []), ...(t.attesters ?? [])].find((x) => x.key_id === keyId);
      if (!k) throw new CharterError('NOT_FOUND', `the trust file ${file} names no key ${keyId}`);
      printPem({ keyId: k.key_id, scheme: k.scheme, publicKey: k.public_key }, o.json);
    });
}
