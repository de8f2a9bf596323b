/**
 * Bundle verification as a pure function over an abstract list of zip entries
 * (already read, and refused where over the caps, by the host's reader) and an
 * optional trust file. It answers a checklist; each check is pass, fail or
 * unknown with a stable reason code. The order of the checks and the meaning
 * of each reason are specified in docs/formats/evidence-bundle.md §5.
 * Never throws on hostile input.
 */
import { canonicalJson, fromHexOrNull, sha256Hex, keyIdOf } from '../../codec/index.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import { isSignatureScheme } from '../../crypto/ed25519.js';
import { decodeSig, openEnvelope, verifyAttestationSignature } from './dsse.js';
import { parseManifest } from './manifest.js';
import { collisionKey, entryType, pathProblem } from './paths.js';
import { attestationKey, keyStanding, type TrustFileView } from './trust.js';
import {
  ATTESTATIONS_DIR,
  BUNDLE_PREDICATE_TYPE,
  IN_TOTO_STATEMENT_TYPE,
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
  /** What the verifier knows per kind; a kind without an entry gets an "unknown" content check. */
  kinds?: Readonly<Record<string, KindSpec>>;
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

/** The common checks, in report order (docs/formats/evidence-bundle.md §5). */
export const COMMON_CHECKS: readonly (readonly [id: string, title: string])[] = [
  ['zip.container', 'The archive reads within the caps'],
  ['zip.paths', 'Every entry name is a safe relative path'],
  ['zip.duplicates', 'No entry name appears twice'],
  ['zip.types', 'Entries are regular files or directories'],
  ['manifest', 'manifest.json is a valid, canonical manifest'],
  ['members.present', 'Every listed member is in the archive'],
  ['members.listed', 'Every file in the archive is listed'],
  ['members.digests', 'Every member has the size and SHA-256 the manifest states'],
  ['members.expected', 'The members are those the kind defines, with their artifact types'],
  ['attestations.signatures', 'Attestations are DSSE in-toto statements of this manifest with valid signatures'],
  ['attestations.trust', 'The key that built the bundle is trusted at the bundle height'],
];

/** What a verifier knows about one bundle kind: its checks in report order, its member rules, its content checks. */
export interface KindSpec {
  checks: readonly (readonly [id: string, title: string])[];
  /** Problems with the member list itself: unexpected paths, wrong artifact types, required members missing. */
  expectedMembers: (manifest: Manifest) => Item[];
  content: ContentChecks;
}

const UNKNOWN_KIND_CHECKS = [['content', 'The contents of the bundle']] as const;

/** Every check of the kind, in order: those that ran as they ran, the others unknown with the reason given. */
function complete(ran: readonly Check[], order: readonly (readonly [string, string])[], reason: string, because: string): Check[] {
  const byId = new Map(ran.map((c) => [c.id, c]));
  const out: Check[] = order.map(([id, title]) => byId.get(id) ?? check(id, title, 'unknown', reason, `not checked: ${because}`));
  const known = new Set(order.map(([id]) => id));
  for (const c of ran) if (!known.has(c.id)) out.push(c);
  return out;
}

export function verifyBundle(input: ContainerInput, opts: VerifyOptions): VerifyReport {
  const ran: Check[] = [];
  const entries = input.entries;
  const hash = opts.sha256Hex ?? sha256Hex;
  let order: readonly (readonly [string, string])[] = [...COMMON_CHECKS, ...UNKNOWN_KIND_CHECKS];
  const files: ZipEntryInput[] = [];

  const report = (manifest: Manifest | null, sha: string | null, because: string | null): VerifyReport => {
    const checks = complete(ran, order, 'NOT_CHECKED', because ?? 'an earlier check stopped verification');
    return {
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
              .map((e) => ({ path: e.name, artifact_type: 'attestation', size: e.data?.length ?? e.uncompressedSize, sha256: e.data ? hash(e.data) : null })),
          ]
        : input.error !== undefined
          ? []
          : entries.map((e) => ({ path: e.name, artifact_type: null, size: e.data?.length ?? e.uncompressedSize, sha256: null })),
    };
  };

  // 1. The container: what the reader refused while reading. Any refusal stops verification.
  {
    const items: Item[] = [];
    if (input.error) items.push({ subject: '(archive)', reason: input.error.reason, detail: input.error.detail });
    for (const e of entries) if (e.error) items.push({ subject: JSON.stringify(e.name).slice(0, 200), reason: e.error.reason, detail: e.error.detail });
    ran.push(
      items.length
        ? failFrom('zip.container', 'The archive reads within the caps', items, 'the archive was refused')
        : check(
            'zip.container',
            'The archive reads within the caps',
            'pass',
            'OK',
            `${entries.length} entries read, none over the size, ratio or count caps, every CRC-32 matching`,
          ),
    );
  }

  // 2. Names.
  const pathItems: Item[] = [];
  if (input.error === undefined) {
    for (const e of entries) {
      const p = pathProblem(e.name, e.nameValid);
      if (p) pathItems.push({ subject: JSON.stringify(e.name).slice(0, 200), reason: p.reason, detail: p.detail });
    }
    ran.push(
      pathItems.length
        ? failFrom('zip.paths', 'Every entry name is a safe relative path', pathItems, 'unsafe entry name')
        : check(
            'zip.paths',
            'Every entry name is a safe relative path',
            'pass',
            'OK',
            'no absolute paths, "..", backslashes, drive letters or control characters',
          ),
    );
  }

  // 3. Duplicates (exact, or colliding on case-insensitive file systems).
  const dupItems: Item[] = [];
  if (input.error === undefined) {
    const seen = new Map<string, string>();
    for (const e of entries) {
      const k = collisionKey(e.name);
      const prev = seen.get(k);
      if (prev !== undefined)
        dupItems.push({
          subject: e.name,
          reason: 'DUPLICATE_ENTRY',
          detail: prev === e.name ? 'the archive holds this name twice' : `collides with "${prev}" on case-insensitive file systems`,
        });
      else seen.set(k, e.name);
    }
    ran.push(
      dupItems.length
        ? failFrom('zip.duplicates', 'No entry name appears twice', dupItems, 'duplicate entry')
        : check('zip.duplicates', 'No entry name appears twice', 'pass', 'OK', 'every name is unique, also ignoring case'),
    );
  }

  // 4. Entry types.
  const typeItems: Item[] = [];
  if (input.error === undefined) {
    for (const e of entries) {
      const t = entryType(e);
      if (t === 'symlink') typeItems.push({ subject: e.name, reason: 'SYMLINK', detail: 'the entry is a symbolic link' });
      else if (t === 'special') typeItems.push({ subject: e.name, reason: 'SPECIAL_FILE', detail: 'the entry is a device, FIFO or socket' });
      else if (t === 'directory') {
        if ((e.data && e.data.length > 0) || e.uncompressedSize > 0)
          typeItems.push({ subject: e.name, reason: 'SPECIAL_FILE', detail: 'a directory entry carries data' });
      } else files.push(e);
    }
    ran.push(
      typeItems.length
        ? failFrom('zip.types', 'Entries are regular files or directories', typeItems, 'not a regular file')
        : check('zip.types', 'Entries are regular files or directories', 'pass', 'OK', 'no symbolic links or special files'),
    );
  }

  const containerFail = input.error !== undefined || entries.some((e) => e.error !== undefined);
  if (containerFail || pathItems.length > 0 || dupItems.length > 0 || typeItems.length > 0) {
    files.length = 0;
    return report(
      null,
      null,
      containerFail ? 'the archive was refused while reading it (zip.container)' : 'the archive was refused above (names, duplicates or entry types)',
    );
  }
  // From here on only unambiguous regular files count.
  const byName = new Map<string, ZipEntryInput>();
  for (const e of files) byName.set(e.name, e);

  // 5. The manifest.
  const mEntry = byName.get(MANIFEST_PATH);
  if (!mEntry || !mEntry.data) {
    ran.push(check('manifest', 'manifest.json is a valid, canonical manifest', 'fail', 'MANIFEST_MISSING', 'the archive has no manifest.json'));
    return report(null, null, 'there is no manifest to check against');
  }
  const pm = parseManifest(mEntry.data);
  if (!pm.ok) {
    ran.push(check('manifest', 'manifest.json is a valid, canonical manifest', 'fail', pm.reason, pm.detail));
    return report(null, null, 'the manifest was refused');
  }
  const manifest = pm.manifest;
  const manifestSha = pm.sha256;
  const spec = opts.kinds?.[manifest.kind];
  order = [...COMMON_CHECKS, ...(spec ? spec.checks : UNKNOWN_KIND_CHECKS)];
  ran.push(
    check(
      'manifest',
      'manifest.json is a valid, canonical manifest',
      'pass',
      'OK',
      `${manifest.format} ${manifest.kind} bundle for ${manifest.subject.type} ${manifest.subject.id}; ${manifest.members.length} members; sha256 ${manifestSha}`,
    ),
  );

  // 6. Listed members are present; 7. present files are listed.
  const listed = new Set(manifest.members.map((m) => m.path));
  const missing: Item[] = manifest.members
    .filter((m) => !byName.has(m.path))
    .map((m) => ({ subject: m.path, reason: 'MEMBER_MISSING', detail: 'listed in the manifest but not in the archive' }));
  ran.push(
    missing.length
      ? failFrom('members.present', 'Every listed member is in the archive', missing, 'missing member')
      : check('members.present', 'Every listed member is in the archive', 'pass', 'OK', `all ${manifest.members.length} listed members are present`),
  );
  const attestationEntries = files.filter((e) => e.name.startsWith(ATTESTATIONS_DIR));
  const unlisted: Item[] = files
    .filter((e) => e.name !== MANIFEST_PATH && !e.name.startsWith(ATTESTATIONS_DIR) && !listed.has(e.name))
    .map((e) => ({ subject: e.name, reason: 'MEMBER_NOT_LISTED', detail: 'in the archive but not listed in the manifest' }));
  ran.push(
    unlisted.length
      ? failFrom('members.listed', 'Every file in the archive is listed', unlisted, 'unlisted file')
      : check('members.listed', 'Every file in the archive is listed', 'pass', 'OK', 'no file besides the manifest and attestations is unlisted'),
  );

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
        const d = hash(e.data);
        if (d !== m.sha256) integrity.push({ subject: m.path, reason: 'DIGEST_MISMATCH', detail: `sha256 ${d}, the manifest says ${m.sha256}` });
        else good.set(m.path, e.data);
      }
    }
    done++;
    if (opts.onProgress && (done % 256 === 0 || done === total)) opts.onProgress(done, total);
  }
  ran.push(
    integrity.length
      ? failFrom('members.digests', 'Every member has the size and SHA-256 the manifest states', integrity, 'member does not match')
      : check('members.digests', 'Every member has the size and SHA-256 the manifest states', 'pass', 'OK', `${good.size} members match`),
  );

  // 9. The member list against the kind's rules.
  if (spec) {
    const items = spec.expectedMembers(manifest);
    ran.push(
      items.length
        ? failFrom('members.expected', 'The members are those the kind defines, with their artifact types', items, 'member list refused')
        : check(
            'members.expected',
            'The members are those the kind defines, with their artifact types',
            'pass',
            'OK',
            `every member is one a ${manifest.kind} bundle (${manifest.format}) defines, and every member it requires is listed`,
          ),
    );
  } else {
    ran.push(
      check(
        'members.expected',
        'The members are those the kind defines, with their artifact types',
        'unknown',
        'KIND_UNKNOWN',
        `this verifier knows no member rules for kind "${manifest.kind}"`,
      ),
    );
  }

  // 10–11. Attestations: signatures and what they state, then trust.
  ran.push(...attestationChecks(attestationEntries, manifest, manifestSha, opts));

  // 12. Kind-specific content.
  const ctx: BundleContext = { manifest, manifestSha256: manifestSha, members: good, trust: opts.trust, verifier: opts.verifier };
  if (!spec)
    ran.push(check('content', 'The contents of the bundle', 'unknown', 'KIND_UNKNOWN', `this verifier knows no content checks for kind "${manifest.kind}"`));
  else {
    try {
      ran.push(...spec.content(ctx));
    } catch (e) {
      // A bug or an input nobody foresaw: the first kind check fails rather than anything passing.
      const [id, title] = spec.checks[0] as readonly [string, string];
      ran.push(check(id, title, 'fail', 'MEMBER_INVALID', `a member could not be interpreted: ${(e as Error).message}`));
    }
  }
  return report(manifest, manifestSha, 'a check it depends on did not pass');
}

function attestationChecks(atts: ZipEntryInput[], manifest: Manifest, manifestSha: string, opts: VerifyOptions): Check[] {
  const SIG = 'attestations.signatures';
  const SIG_T = 'Attestations are DSSE in-toto statements of this manifest with valid signatures';
  const TRUST = 'attestations.trust';
  const TRUST_T = 'The key that built the bundle is trusted at the bundle height';
  if (atts.length === 0) {
    return [
      check(SIG, SIG_T, 'unknown', 'NO_ATTESTATION', 'the bundle carries no attestation: nothing vouches for the manifest'),
      check(TRUST, TRUST_T, 'unknown', 'NOT_CHECKED', 'not checked: no attestation, so no key to check'),
    ];
  }
  const sigItems: Item[] = [];
  const signedBy: { keyId: string; where: string }[] = [];
  for (const e of atts) {
    const opened = openEnvelope(e.data ?? new Uint8Array());
    if (!opened.ok) {
      sigItems.push({ subject: e.name, reason: opened.reason, detail: opened.detail });
      continue;
    }
    const sigs = opened.envelope.signatures;
    const envKeys = Object.keys(opened.envelope).sort().join(',');
    if (envKeys !== 'payload,payloadType,signatures' || sigs.some((x) => Object.keys(x).sort().join(',') !== 'keyid,sig')) {
      sigItems.push({
        subject: e.name,
        reason: 'ATTESTATION_INVALID',
        detail: 'the envelope is not exactly {payloadType, payload, signatures: [{keyid, sig}]}: an unsigned field would ride along',
      });
      continue;
    }
    if (sigs.length !== 1) {
      sigItems.push({
        subject: e.name,
        reason: 'ATTESTATION_INVALID',
        detail: `the envelope has ${sigs.length} signatures; each attestation file carries exactly one`,
      });
      continue;
    }
    const s = sigs[0] as { keyid: string; sig: string };
    if (e.name !== `${ATTESTATIONS_DIR}${s.keyid}.dsse.json`) {
      sigItems.push({
        subject: e.name,
        reason: 'ATTESTATION_NAME_MISMATCH',
        detail: `the envelope is signed by key ${JSON.stringify(s.keyid).slice(0, 60)}, so its file is ${ATTESTATIONS_DIR}<that key id>.dsse.json`,
      });
      continue;
    }
    const st = readStatement(opened.statement);
    if (!st.ok) {
      sigItems.push({ subject: e.name, reason: 'ATTESTATION_INVALID', detail: st.detail });
      continue;
    }
    if (st.sha256 !== manifestSha) {
      sigItems.push({ subject: e.name, reason: 'SUBJECT_MISMATCH', detail: `the statement is about manifest ${st.sha256}, this manifest is ${manifestSha}` });
      continue;
    }
    const pred = st.predicate;
    if (pred.kind !== manifest.kind || canonicalJson(pred.subject) !== canonicalJson(manifest.subject) || pred.signer.key_id !== s.keyid) {
      const what =
        pred.kind !== manifest.kind
          ? `kind ${JSON.stringify(pred.kind).slice(0, 60)}, the manifest's is ${manifest.kind}`
          : pred.signer.key_id !== s.keyid
            ? `signer ${pred.signer.key_id}, the signature's key is ${s.keyid}`
            : `subject ${canonicalJson(pred.subject).slice(0, 160)}, the manifest's is ${canonicalJson(manifest.subject)}`;
      sigItems.push({ subject: e.name, reason: 'PREDICATE_MISMATCH', detail: `the statement names ${what}` });
      continue;
    }
    const where = `${e.name} (key ${s.keyid})`;
    // The key to check with: the trust file's, else the one the statement declares (integrity only; trust is the next check).
    const key = (opts.trust ? attestationKey(opts.trust, s.keyid) : undefined) ?? pred.signer;
    if (!isSignatureScheme(key.scheme)) {
      sigItems.push({
        subject: where,
        reason: 'UNSUPPORTED_SCHEME',
        detail: `scheme ${String(key.scheme)} does not sign attestations (ed25519, p256, secp256k1)`,
      });
      continue;
    }
    const pk = fromHexOrNull(key.public_key);
    const declaredPk = fromHexOrNull(pred.signer.public_key);
    if (
      pk === null ||
      keyIdOf(key.scheme, pk) !== s.keyid ||
      declaredPk === null ||
      !isSignatureScheme(pred.signer.scheme) ||
      keyIdOf(pred.signer.scheme, declaredPk) !== s.keyid
    ) {
      sigItems.push({ subject: where, reason: 'KEY_ID_MISMATCH', detail: 'the key id is not derived from the public key (scheme || 0x00 || public key)' });
      continue;
    }
    const sig = decodeSig(s.sig);
    if (sig === null || !verifyAttestationSignature(key.scheme, pk, opened.pae, sig, opts.verifier, manifest.format)) {
      sigItems.push({
        subject: where,
        reason: 'BAD_SIGNATURE',
        detail:
          key.scheme === 'ed25519'
            ? 'the signature does not verify over the DSSE PAE of the payload'
            : `the ${key.scheme} signature does not verify over SHA-256 of the DSSE PAE (${manifest.format === 'charter.bundle/v1' ? '64-byte r||s' : 'ASN.1 DER'}, low S)`,
      });
      continue;
    }
    signedBy.push({ keyId: s.keyid, where });
  }
  if (sigItems.length === 0 && !signedBy.some((s) => s.keyId === manifest.created_by.key_id)) {
    sigItems.push({
      subject: `created_by.key_id ${manifest.created_by.key_id}`,
      reason: 'SIGNER_MISMATCH',
      detail: 'the manifest names a creating key that signed no attestation of it',
    });
  }
  const out: Check[] = [];
  out.push(
    sigItems.length
      ? failFrom(SIG, SIG_T, sigItems, 'attestation refused')
      : check(
          SIG,
          SIG_T,
          'pass',
          'OK',
          `${signedBy.length} signature(s) over manifest ${manifestSha} verify, by ${[...new Set(signedBy.map((s) => s.keyId))].join(', ')}; the manifest's created_by ${manifest.created_by.key_id} is among them`,
        ),
  );
  if (!opts.trust) {
    out.push(
      check(
        TRUST,
        TRUST_T,
        'unknown',
        'NO_TRUST_FILE',
        `no trust file given: cannot tell whether ${[...new Set(signedBy.map((s) => s.keyId))].join(', ') || 'the signing keys'} may vouch for this bundle (pass --trust)`,
      ),
    );
    return out;
  }
  if (signedBy.length === 0) {
    out.push(check(TRUST, TRUST_T, 'unknown', 'NOT_CHECKED', 'not checked: no attestation signature verified, so there is no key to look up'));
    return out;
  }
  // The builder (created_by) must be trusted at the subject height; other attestations add nothing and fail nothing.
  const builder = manifest.created_by.key_id;
  if (!signedBy.some((s) => s.keyId === builder)) {
    out.push(check(TRUST, TRUST_T, 'unknown', 'NOT_CHECKED', `not checked: the manifest's creating key ${builder} has no verified attestation`));
    return out;
  }
  const st = keyStanding(opts.trust, builder, manifest.subject.height, 'attestation');
  const others: Item[] = [];
  for (const s of signedBy) {
    if (s.keyId === builder) continue;
    const o = keyStanding(opts.trust, s.keyId, manifest.subject.height, 'attestation');
    others.push({
      subject: s.where,
      reason: o.ok ? 'OK' : o.reason,
      detail: o.ok ? 'also trusted (an extra attestation)' : `${o.detail} (an extra attestation: it does not count)`,
    });
  }
  out.push(
    st.ok
      ? check(
          TRUST,
          TRUST_T,
          'pass',
          'OK',
          `built and signed by ${builder}, trusted at height ${manifest.subject.height}${others.length ? `; ${others.length} extra attestation(s)` : ''}`,
          others,
        )
      : check(TRUST, TRUST_T, 'fail', st.reason, `the creating key: ${st.detail}`, [
          { subject: `created_by ${builder}`, reason: st.reason, detail: st.detail },
          ...others,
        ]),
  );
  return out;
}

/** An in-toto Statement v1 of this format: exactly its four fields, one subject (manifest.json, sha256), our predicate. */
function readStatement(
  v: unknown,
): { ok: true; sha256: string; predicate: { kind: string; subject: unknown; signer: BundleSigner } } | { ok: false; detail: string } {
  const exact = (o: unknown, keys: string[]): o is Record<string, unknown> =>
    !!o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
  if (!v || typeof v !== 'object' || (v as { _type?: unknown })._type !== IN_TOTO_STATEMENT_TYPE)
    return { ok: false, detail: `the payload is not an in-toto Statement v1 (_type ${IN_TOTO_STATEMENT_TYPE})` };
  if (!Object.prototype.hasOwnProperty.call(v, 'predicateType'))
    return { ok: false, detail: 'the statement has no predicateType (in-toto Statement v1 requires it)' };
  if (!exact(v, ['_type', 'subject', 'predicateType', 'predicate']))
    return { ok: false, detail: 'the statement has other fields than _type, subject, predicateType and predicate' };
  if (v['predicateType'] !== BUNDLE_PREDICATE_TYPE)
    return { ok: false, detail: `predicateType is ${JSON.stringify(v['predicateType']).slice(0, 80)}, not ${BUNDLE_PREDICATE_TYPE}` };
  const subj = v['subject'];
  if (
    !Array.isArray(subj) ||
    subj.length !== 1 ||
    !exact(subj[0], ['name', 'digest']) ||
    subj[0]['name'] !== MANIFEST_PATH ||
    !exact(subj[0]['digest'], ['sha256'])
  ) {
    return { ok: false, detail: 'the statement\'s subject is not exactly one entry {name: "manifest.json", digest: {sha256}}' };
  }
  const d = (subj[0]['digest'] as Record<string, unknown>)['sha256'];
  if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) return { ok: false, detail: "the subject's sha256 is not 64 lower-case hex characters" };
  const p = v['predicate'];
  if (!exact(p, ['kind', 'subject', 'signer']) || typeof p['kind'] !== 'string' || !exact(p['signer'], ['key_id', 'scheme', 'public_key'])) {
    return { ok: false, detail: 'the predicate is not exactly {kind, subject, signer: {key_id, scheme, public_key}}' };
  }
  const signer = p['signer'] as Record<string, unknown>;
  if (typeof signer['key_id'] !== 'string' || typeof signer['scheme'] !== 'string' || typeof signer['public_key'] !== 'string')
    return { ok: false, detail: "the predicate's signer fields are not strings" };
  return { ok: true, sha256: d, predicate: { kind: p['kind'], subject: p['subject'], signer: signer as unknown as BundleSigner } };
}
