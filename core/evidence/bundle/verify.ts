/**
 * Bundle verification as a pure function over an abstract list of zip entries
 * (already read, and refused where over the caps, by the host's reader) and an
 * optional trust file. It answers a checklist; each check is pass, fail or
 * unknown with a stable reason code. The order of the checks and the meaning
 * of each reason are specified in docs/formats/evidence-bundle.md §5.
 * Never throws on hostile input.
 */
import { sha256Hex, keyIdOf } from '../../codec/index.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import { isSignatureScheme } from '../../crypto/ed25519.js';
import { decodeSig, hexToBytesOrNull, openEnvelope, statementSubjectDigest, verifyAttestationSignature } from './dsse.js';
import { parseManifest } from './manifest.js';
import { collisionKey, entryType, pathProblem } from './paths.js';
import { keyStanding, type TrustFileView } from './trust.js';
import {
  ATTESTATIONS_DIR,
  BUNDLE_PREDICATE_TYPE,
  MANIFEST_PATH,
  overallVerdict,
  type BundleSigner,
  type Check,
  type ContainerInput,
  type Manifest,
  type VerifyReport,
  type ZipEntryInput,
} from './types.js';

export const MAX_ITEMS_PER_CHECK = 100;

/** What kind-specific checks (custody case, proofs, checkpoints) get to look at. */
export interface BundleContext {
  manifest: Manifest;
  manifestSha256: string;
  /** Member bytes by path, only for members whose digest and size matched. */
  members: ReadonlyMap<string, Uint8Array>;
  trust: TrustFileView | null;
  verifier: SignatureVerifier;
}

export type ContentChecks = (ctx: BundleContext) => Check[];

export interface VerifyOptions {
  trust: TrustFileView | null;
  verifier: SignatureVerifier;
  /** Kind-specific checks by kind; a kind without an entry gets an "unknown" content check. */
  contentChecks?: Readonly<Record<string, ContentChecks>>;
  /** Called while member digests are computed. */
  onProgress?: (done: number, total: number) => void;
  /** SHA-256 as lower-case hex; the host may inject a native one (default: @noble/hashes). */
  sha256Hex?: (data: Uint8Array) => string;
}

type Item = NonNullable<Check['items']>[number];

export function check(id: string, title: string, verdict: Check['verdict'], reason: string, detail: string, items?: Item[]): Check {
  const c: Check = { id, title, verdict, reason, detail };
  if (items && items.length > 0) c.items = items.slice(0, MAX_ITEMS_PER_CHECK);
  return c;
}

/** A failing check from a list of items: the first item's reason is the check's reason. */
export function failFrom(id: string, title: string, items: Item[], what: string): Check {
  const first = items[0] as Item;
  const more = items.length > 1 ? ` (and ${items.length - 1} more)` : '';
  return check(id, title, 'fail', first.reason, `${what}: ${first.subject}: ${first.detail}${more}`, items);
}

function skipped(id: string, title: string, because: string): Check {
  return check(id, title, 'unknown', 'NOT_CHECKED', `not checked: ${because}`);
}

export function verifyBundle(input: ContainerInput, opts: VerifyOptions): VerifyReport {
  const checks: Check[] = [];
  const entries = input.entries;

  // 1. The container: what the reader refused while reading.
  {
    const items: Item[] = [];
    if (input.error) items.push({ subject: '(archive)', reason: input.error.reason, detail: input.error.detail });
    for (const e of entries) if (e.error) items.push({ subject: e.name, reason: e.error.reason, detail: e.error.detail });
    checks.push(items.length ? failFrom('zip.container', 'The archive reads within the caps', items, 'the archive was refused') : check('zip.container', 'The archive reads within the caps', 'pass', 'OK', `${entries.length} entries read, none over the size, ratio or count caps`));
  }
  // An archive refused as a whole (not a zip, a damaged central directory, too many
  // entries) is not interpreted at all: that one failing check is the whole report,
  // with no path checks over entries that were never read and no members.
  if (input.error !== undefined) {
    return { verdict: overallVerdict(checks), manifestSha256: null, kind: null, subject: null, checks, members: [] };
  }

  // 2. Names.
  const pathItems: Item[] = [];
  for (const e of entries) {
    const p = pathProblem(e.name, e.nameValid);
    if (p) pathItems.push({ subject: JSON.stringify(e.name).slice(0, 200), reason: p.reason, detail: p.detail });
  }
  checks.push(pathItems.length ? failFrom('zip.paths', 'Every entry name is a safe relative path', pathItems, 'unsafe entry name') : check('zip.paths', 'Every entry name is a safe relative path', 'pass', 'OK', 'no absolute paths, "..", backslashes, drive letters or control characters'));

  // 3. Duplicates (exact, or colliding on case-insensitive file systems).
  const dupItems: Item[] = [];
  {
    const seen = new Map<string, string>();
    for (const e of entries) {
      const k = collisionKey(e.name);
      const prev = seen.get(k);
      if (prev !== undefined) dupItems.push({ subject: e.name, reason: 'DUPLICATE_ENTRY', detail: prev === e.name ? 'the archive holds this name twice' : `collides with "${prev}" on case-insensitive file systems` });
      else seen.set(k, e.name);
    }
  }
  checks.push(dupItems.length ? failFrom('zip.duplicates', 'No entry name appears twice', dupItems, 'duplicate entry') : check('zip.duplicates', 'No entry name appears twice', 'pass', 'OK', 'every name is unique, also ignoring case'));

  // 4. Entry types.
  const typeItems: Item[] = [];
  const files: ZipEntryInput[] = [];
  for (const e of entries) {
    const t = entryType(e);
    if (t === 'symlink') typeItems.push({ subject: e.name, reason: 'SYMLINK', detail: 'the entry is a symbolic link' });
    else if (t === 'special') typeItems.push({ subject: e.name, reason: 'SPECIAL_FILE', detail: 'the entry is a device, FIFO or socket' });
    else if (t === 'directory') {
      if (e.data && e.data.length > 0) typeItems.push({ subject: e.name, reason: 'SPECIAL_FILE', detail: 'a directory entry carries data' });
    } else files.push(e);
  }
  checks.push(typeItems.length ? failFrom('zip.types', 'Entries are regular files or directories', typeItems, 'not a regular file') : check('zip.types', 'Entries are regular files or directories', 'pass', 'OK', 'no symbolic links or special files'));

  const structuralFail = pathItems.length > 0 || dupItems.length > 0 || typeItems.length > 0;
  // From here on only unambiguous regular files count; a refused archive is not interpreted further.
  const byName = new Map<string, ZipEntryInput>();
  if (!structuralFail) for (const e of files) byName.set(e.name, e);

  const report = (manifest: Manifest | null, sha: string | null): VerifyReport => ({
    verdict: overallVerdict(checks),
    manifestSha256: sha,
    kind: manifest?.kind ?? null,
    subject: manifest?.subject ?? null,
    checks,
    members: manifest
      ? [
          ...manifest.members.map((m) => ({ path: m.path, artifact_type: m.artifact_type, size: m.size, sha256: m.sha256 })),
          // The attestations are in the archive but not in the manifest (they sign it).
          ...files
            .filter((e) => e.name.startsWith(ATTESTATIONS_DIR) && !manifest.members.some((m) => m.path === e.name))
            .map((e) => ({ path: e.name, artifact_type: 'attestation', size: e.data?.length ?? e.uncompressedSize, sha256: e.data ? (opts.sha256Hex ?? sha256Hex)(e.data) : null })),
        ]
      : files.map((e) => ({ path: e.name, artifact_type: null, size: e.data?.length ?? e.uncompressedSize, sha256: null })),
  });

  if (structuralFail) {
    checks.push(skipped('manifest', 'manifest.json is a valid, canonical manifest', 'the archive was refused above'));
    return report(null, null);
  }

  // 5. The manifest.
  const mEntry = byName.get(MANIFEST_PATH);
  if (!mEntry || !mEntry.data) {
    checks.push(check('manifest', 'manifest.json is a valid, canonical manifest', 'fail', 'MANIFEST_MISSING', 'the archive has no manifest.json'));
    return report(null, null);
  }
  const pm = parseManifest(mEntry.data);
  if (!pm.ok) {
    checks.push(check('manifest', 'manifest.json is a valid, canonical manifest', 'fail', pm.reason, pm.detail));
    return report(null, null);
  }
  const manifest = pm.manifest;
  const manifestSha = pm.sha256;
  checks.push(check('manifest', 'manifest.json is a valid, canonical manifest', 'pass', 'OK', `${manifest.kind} bundle for ${manifest.subject.type} ${manifest.subject.id}; ${manifest.members.length} members; sha256 ${manifestSha}`));

  // 6. Listed members are present; 7. present files are listed.
  const listed = new Set(manifest.members.map((m) => m.path));
  const missing: Item[] = manifest.members.filter((m) => !byName.has(m.path)).map((m) => ({ subject: m.path, reason: 'MEMBER_MISSING', detail: 'listed in the manifest but not in the archive' }));
  checks.push(missing.length ? failFrom('members.present', 'Every listed member is in the archive', missing, 'missing member') : check('members.present', 'Every listed member is in the archive', 'pass', 'OK', `all ${manifest.members.length} listed members are present`));
  const attestationEntries = files.filter((e) => e.name.startsWith(ATTESTATIONS_DIR));
  const unlisted: Item[] = files
    .filter((e) => e.name !== MANIFEST_PATH && !e.name.startsWith(ATTESTATIONS_DIR) && !listed.has(e.name))
    .map((e) => ({ subject: e.name, reason: 'MEMBER_NOT_LISTED', detail: 'in the archive but not listed in the manifest' }));
  checks.push(unlisted.length ? failFrom('members.listed', 'Every file in the archive is listed', unlisted, 'unlisted file') : check('members.listed', 'Every file in the archive is listed', 'pass', 'OK', 'no file besides the manifest and attestations is unlisted'));

  // 8. Sizes and digests.
  const good = new Map<string, Uint8Array>();
  const integrity: Item[] = [];
  const total = manifest.members.length;
  let done = 0;
  for (const m of manifest.members) {
    const e = byName.get(m.path);
    if (e && e.data) {
      if (e.data.length !== m.size) integrity.push({ subject: m.path, reason: 'SIZE_MISMATCH', detail: `${e.data.length} bytes, the manifest says ${m.size}` });
      else {
        const d = (opts.sha256Hex ?? sha256Hex)(e.data);
        if (d !== m.sha256) integrity.push({ subject: m.path, reason: 'DIGEST_MISMATCH', detail: `sha256 ${d}, the manifest says ${m.sha256}` });
        else good.set(m.path, e.data);
      }
    }
    done++;
    if (opts.onProgress && (done % 256 === 0 || done === total)) opts.onProgress(done, total);
  }
  checks.push(integrity.length ? failFrom('members.digests', 'Every member has the size and SHA-256 the manifest states', integrity, 'member does not match') : check('members.digests', 'Every member has the size and SHA-256 the manifest states', 'pass', 'OK', `${good.size} members match`));

  // 9–10. Attestations: signatures, then trust.
  checks.push(...attestationChecks(attestationEntries, manifest, manifestSha, opts));

  // 11. Kind-specific content.
  const ctx: BundleContext = { manifest, manifestSha256: manifestSha, members: good, trust: opts.trust, verifier: opts.verifier };
  const content = opts.contentChecks?.[manifest.kind];
  if (!content) checks.push(check('content', 'The contents of the bundle', 'unknown', 'KIND_UNKNOWN', `this verifier knows no content checks for kind "${manifest.kind}"`));
  else {
    try {
      checks.push(...content(ctx));
    } catch (e) {
      checks.push(check('content', 'The contents of the bundle', 'fail', 'MEMBER_INVALID', `a member could not be interpreted: ${(e as Error).message}`));
    }
  }
  return report(manifest, manifestSha);
}

function attestationChecks(atts: ZipEntryInput[], manifest: Manifest, manifestSha: string, opts: VerifyOptions): Check[] {
  const SIG = 'attestations.signatures';
  const SIG_T = 'Attestations are DSSE in-toto statements over the manifest with valid signatures';
  const TRUST = 'attestations.trust';
  const TRUST_T = 'Attestation keys are trusted at the bundle height';
  if (atts.length === 0) {
    return [
      check(SIG, SIG_T, 'unknown', 'NO_ATTESTATION', 'the bundle carries no attestation: nothing vouches for the manifest'),
      check(TRUST, TRUST_T, 'unknown', 'NO_ATTESTATION', 'no attestation, so no key to check'),
    ];
  }
  const sigItems: Item[] = [];
  const signedBy: { keyId: string; where: string }[] = [];
  let verified = 0;
  for (const e of atts) {
    const opened = openEnvelope(e.data ?? new Uint8Array());
    if (!opened.ok) {
      sigItems.push({ subject: e.name, reason: opened.reason, detail: opened.detail });
      continue;
    }
    const subj = statementSubjectDigest(opened.statement);
    if (!subj.ok) {
      sigItems.push({ subject: e.name, reason: 'ATTESTATION_INVALID', detail: subj.detail });
      continue;
    }
    if (subj.sha256 !== manifestSha) {
      sigItems.push({ subject: e.name, reason: 'SUBJECT_MISMATCH', detail: `the statement is about manifest ${subj.sha256}, this manifest is ${manifestSha}` });
      continue;
    }
    if (opened.envelope.signatures.length === 0) {
      sigItems.push({ subject: e.name, reason: 'ATTESTATION_INVALID', detail: 'the envelope has no signature' });
      continue;
    }
    const declared = subj.predicateType === BUNDLE_PREDICATE_TYPE ? ((subj.predicate as { signer?: BundleSigner } | null)?.signer ?? null) : null;
    for (const s of opened.envelope.signatures) {
      const where = `${e.name} (key ${s.keyid})`;
      // The key to check with: the trust file's, else the one the statement declares (self-consistent only).
      const trusted = opts.trust?.keys.find((k) => k.key_id === s.keyid);
      const key = trusted ?? (declared && declared.key_id === s.keyid ? declared : null);
      if (!key) {
        sigItems.push({ subject: where, reason: 'UNKNOWN_KEY', detail: 'neither the trust file nor the statement gives this key, so the signature cannot be checked' });
        continue;
      }
      const pk = hexToBytesOrNull(key.public_key);
      const sig = decodeSig(s.sig);
      // Ed25519 signs PAE itself; ECDSA (p256, secp256k1) signs e = SHA-256(PAE) (dsse.ts, format §4).
      if (!isSignatureScheme(key.scheme)) {
        sigItems.push({ subject: where, reason: 'UNSUPPORTED_SCHEME', detail: `scheme ${String(key.scheme)} does not sign attestations (ed25519, p256, secp256k1)` });
        continue;
      }
      if (pk === null || keyIdOf(key.scheme, pk) !== s.keyid) {
        sigItems.push({ subject: where, reason: 'KEY_ID_MISMATCH', detail: 'the key id is not derived from the public key' });
        continue;
      }
      if (sig === null || !verifyAttestationSignature(key.scheme, pk, opened.pae, sig, opts.verifier, manifest.format)) {
        sigItems.push({ subject: where, reason: 'BAD_SIGNATURE', detail: key.scheme === 'ed25519' ? 'the signature does not verify over the DSSE PAE of the payload' : `the ${key.scheme} signature does not verify over SHA-256 of the DSSE PAE (64-byte r||s, low S)` });
        continue;
      }
      verified++;
      signedBy.push({ keyId: s.keyid, where });
    }
  }
  const out: Check[] = [];
  out.push(sigItems.length ? failFrom(SIG, SIG_T, sigItems, 'attestation refused') : check(SIG, SIG_T, 'pass', 'OK', `${verified} signature(s) over manifest ${manifestSha} verify`));
  if (!opts.trust) {
    out.push(check(TRUST, TRUST_T, 'unknown', 'NO_TRUST_FILE', `no trust file given: cannot tell whether ${[...new Set(signedBy.map((s) => s.keyId))].join(', ') || 'the signing keys'} may vouch for this bundle (pass --trust)`));
    return out;
  }
  if (signedBy.length === 0) {
    out.push(check(TRUST, TRUST_T, sigItems.length ? 'fail' : 'unknown', sigItems.length ? (sigItems[0] as Item).reason : 'NO_ATTESTATION', 'no verified signature to check against the trust file'));
    return out;
  }
  const trustItems: Item[] = [];
  for (const s of signedBy) {
    const st = keyStanding(opts.trust, s.keyId, manifest.subject.height);
    if (!st.ok) trustItems.push({ subject: s.where, reason: st.reason, detail: st.detail });
  }
  out.push(trustItems.length ? failFrom(TRUST, TRUST_T, trustItems, 'untrusted key') : check(TRUST, TRUST_T, 'pass', 'OK', `signed by ${[...new Set(signedBy.map((s) => s.keyId))].join(', ')}, trusted at height ${manifest.subject.height}`));
  return out;
}
