/**
 * Evidence bundles in the Evidence view: open a bundle (file input or drag
 * and drop) and see its verification checklist, member tree and any member's
 * content; build a custody-case bundle for an executed withdrawal and save it.
 * The bundle travels to the host in pieces (contract messages are capped) and
 * is verified there in memory; progress arrives as evidence.progress events.
 */
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { BundleReportView, MethodOutput, SavedTrust, SerializedError } from '../../../../../core/contract/index.js';
import { ERROR_CODES } from '../../../../../core/errors.js';
import { downloadFile } from '../../../common/files.js';
import { client } from '../../../common/client.js';
import { toSerializedError } from '../../../transport/index.js';
import { ErrorAlert } from '../../../common/ui.js';
import { useStore } from '../../../store.js';

const CHUNK = 480 * 1024;
/** Largest trust file read: the format allows at most 256 keys, well under this; it travels in one contract message. */
const MAX_TRUST_FILE_BYTES = 512 * 1024;
/** Most members the tree renders at once. */
const MAX_TREE = 500;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

type Progress = { phase: 'uploading' | 'reading' | 'checking'; done: number; total: number };

let jobCounter = 0;

/** One line about a trust file: whose log, how many keys must sign, which witnesses must cosign. */
export function trustSummary(t: unknown): string {
  const o = (t ?? {}) as { log_id?: unknown; quorum?: unknown; keys?: unknown; witnesses?: { quorum?: unknown; keys?: unknown }; attesters?: unknown };
  const n = Array.isArray(o.keys) ? o.keys.length : 0;
  const w = o.witnesses && Array.isArray(o.witnesses.keys) ? o.witnesses.keys.length : 0;
  const a = Array.isArray(o.attesters) ? o.attesters.length : 0;
  const log = `log ${String(o.log_id ?? '?')}: ${String(o.quorum ?? '?')} of ${n} key${n === 1 ? '' : 's'} must sign`;
  const wit =
    w > 0 ? `${String(o.witnesses?.quorum ?? '?')} of ${w} witness${w === 1 ? '' : 'es'} must cosign each checkpoint` : 'no witness cosignature required';
  return `${log}; ${wit}${a > 0 ? `; ${a} more key${a === 1 ? '' : 's'} may sign bundles only` : ''}.`;
}

async function verifyFile(file: File, trust: unknown, onProgress: (p: Progress) => void): Promise<BundleReportView> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const jobId = `verify-${++jobCounter}`;
  const off = client().on('evidence.progress', (p) => {
    if (p.jobId === jobId) onProgress({ phase: p.phase, done: p.done, total: p.total });
  });
  try {
    let uploadId: string | undefined;
    for (let o = 0; o < bytes.length || o === 0; o += CHUNK) {
      onProgress({ phase: 'uploading', done: Math.min(o, bytes.length), total: bytes.length });
      const r = await client().call('evidence.uploadChunk', { ...(uploadId ? { uploadId } : {}), chunkBase64: toBase64(bytes.subarray(o, o + CHUNK)) });
      uploadId = r.uploadId;
      if (bytes.length === 0) break;
    }
    return await client().call('evidence.verifyBundle', { uploadId, jobId, ...(trust !== undefined ? { trust } : {}) });
  } finally {
    off();
  }
}

const VERDICT_TEXT = { pass: 'Pass', fail: 'Fail', unknown: 'Unknown' } as const;

function Verdict({ v }: { v: 'pass' | 'fail' | 'unknown' }) {
  return <span className={`pill verdict-${v}`}>{VERDICT_TEXT[v]}</span>;
}

interface TreeNode {
  name: string;
  path: string;
  children: TreeNode[];
  file: boolean;
}

function buildTree(paths: string[]): TreeNode[] {
  const root: TreeNode = { name: '', path: '', children: [], file: false };
  for (const p of paths) {
    const segs = p.split('/');
    let node = root;
    segs.forEach((seg, i) => {
      const isFile = i === segs.length - 1;
      let child = node.children.find((c) => c.name === seg && c.file === isFile);
      if (!child) {
        child = { name: seg, path: segs.slice(0, i + 1).join('/'), children: [], file: isFile };
        node.children.push(child);
      }
      node = child;
    });
  }
  return root.children;
}

function MemberTree({ paths, selected, onSelect }: { paths: string[]; selected: string | null; onSelect: (p: string) => void }) {
  const tree = useMemo(() => buildTree(paths), [paths]);
  const onKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const items = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="treeitem"]')];
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' && i < items.length - 1) (items[i + 1] as HTMLElement).focus();
    else if (e.key === 'ArrowUp' && i > 0) (items[i - 1] as HTMLElement).focus();
    else return;
    e.preventDefault();
  };
  const render = (nodes: TreeNode[], level: number) =>
    nodes.map((n) =>
      n.file ? (
        <li
          key={n.path}
          role="treeitem"
          aria-level={level}
          aria-selected={selected === n.path}
          aria-label={n.name}
          title={n.path}
          tabIndex={selected === n.path || (selected === null && n.path === paths[0]) ? 0 : -1}
          className={`tree-file${selected === n.path ? ' selected' : ''}`}
          onClick={() => onSelect(n.path)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onSelect(n.path);
            }
          }}
        >
          {n.name}
        </li>
      ) : (
        <li key={n.path + '/'} role="treeitem" aria-level={level} aria-expanded={true} aria-label={`${n.name}/`} tabIndex={-1} className="tree-dir">
          <span>{n.name}/</span>
          <ul role="group">{render(n.children, level + 1)}</ul>
        </li>
      ),
    );
  return (
    <ul role="tree" aria-label="Bundle members" className="bundle-tree" onKeyDown={onKey}>
      {render(tree, 1)}
    </ul>
  );
}

export function BundleVerifier() {
  const [file, setFile] = useState<File | null>(null);
  /** The trust file, as the workspace keeps it (restored on reload). */
  const [trust, setTrust] = useState<SavedTrust | null>(null);
  const [trustError, setTrustError] = useState<SerializedError | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [report, setReport] = useState<BundleReportView | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [member, setMember] = useState<MethodOutput<'evidence.readMember'> | null>(null);
  const [memberError, setMemberError] = useState<SerializedError | null>(null);
  const [dragging, setDragging] = useState(false);
  const [filter, setFilter] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const trustInput = useRef<HTMLInputElement>(null);

  // Only the latest verification may show its progress and result: opening another file, or changing the
  // trust file, while one is still running must not leave the earlier one's progress or verdict on screen.
  const runSeq = useRef(0);
  const run = async (f: File, t: SavedTrust | null) => {
    const mine = ++runSeq.current;
    const current = () => runSeq.current === mine;
    setReport(null);
    setFilter('');
    setError(null);
    setSelected(null);
    setMember(null);
    setProgress({ phase: 'uploading', done: 0, total: f.size });
    try {
      const r = await verifyFile(f, t ? t.trust : undefined, (p) => {
        if (current()) setProgress(p);
      });
      if (current()) setReport(r);
    } catch (e) {
      if (current()) setError(toSerializedError(e));
    } finally {
      if (current()) setProgress(null);
    }
  };

  useEffect(() => {
    if (file) void run(file, trust);
  }, [file, trust]);

  // The trust file chosen before a reload comes back from the workspace.
  useEffect(() => {
    let live = true;
    client()
      .call('evidence.loadTrust', {})
      .then((r) => {
        if (live && r.saved) setTrust((cur) => cur ?? r.saved);
      })
      .catch((e: unknown) => {
        if (live) setTrustError(toSerializedError(e));
      });
    return () => {
      live = false;
    };
  }, []);

  /** The host parses and checks the file, keeps it in the workspace, and refuses (and records) one it cannot use. */
  const chooseTrust = async (f: File) => {
    setTrustError(null);
    if (f.size > MAX_TRUST_FILE_BYTES) {
      // Checked here so that nothing is sent: the contract's messages are capped.
      setTrustError({
        code: 'BUNDLE_TRUST_INVALID',
        message: `${f.name} is ${f.size} bytes; a trust file (at most 256 keys) is under ${MAX_TRUST_FILE_BYTES / 1024} KiB. Nothing was sent.`,
        hint: ERROR_CODES.BUNDLE_TRUST_INVALID.hint,
      });
      return;
    }
    try {
      setTrust(await client().call('evidence.saveTrust', { name: f.name, trustText: await f.text() }));
    } catch (e) {
      setTrustError(toSerializedError(e));
    }
  };
  /** The node's own trust file, fetched and kept by the host as a chosen one is. */
  const adoptNodeTrust = async () => {
    setTrustError(null);
    try {
      setTrust(await client().call('evidence.nodeTrust', {}));
    } catch (e) {
      setTrustError(toSerializedError(e));
    }
  };
  const clearTrust = async () => {
    setTrustError(null);
    try {
      await client().call('evidence.clearTrust', {});
      setTrust(null);
    } catch (e) {
      setTrustError(toSerializedError(e));
    }
  };

  const select = async (p: string) => {
    if (!report) return;
    setSelected(p);
    setMember(null);
    setMemberError(null);
    try {
      setMember(await client().call('evidence.readMember', { bundleId: report.bundleId, path: p }));
    } catch (e) {
      setMemberError(toSerializedError(e));
    }
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) setFile(f);
  };

  // The tree shows what the archive holds: manifest.json only when there is a manifest, and nothing for an archive refused as a whole.
  const paths = useMemo(() => (report ? [...(report.manifestSha256 ? ['manifest.json'] : []), ...report.members.map((m) => m.path)] : []), [report]);
  // A large bundle's tree shows the first MAX_TREE matches of the filter, never tens of thousands of nodes.
  const matching = useMemo(() => (filter ? paths.filter((p) => p.toLowerCase().includes(filter.toLowerCase())) : paths), [paths, filter]);
  const shown = useMemo(() => matching.slice(0, MAX_TREE), [matching]);
  const counts = report
    ? { pass: 0, fail: 0, unknown: 0, ...Object.fromEntries(['pass', 'fail', 'unknown'].map((v) => [v, report.checks.filter((c) => c.verdict === v).length])) }
    : null;
  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;

  return (
    <section aria-labelledby="bundle-verify-h" className="page-section">
      <h2 id="bundle-verify-h">Verify a bundle</h2>
      <p className="page-note">
        The bundle is checked in memory, without extracting anything: every entry's path and type, the manifest's digests, the signed attestations, and the
        proofs up to a signed checkpoint. A trust file names the keys you trust; without one, trust checks are "unknown".
      </p>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        role="region"
        aria-label="Drop a bundle here"
        data-dragging={dragging ? 'true' : undefined}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          if (!dragging) setDragging(true);
        }}
        onDragLeave={(e) => {
          // Leaving for a child of the zone is not leaving the zone.
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <div className="button-row">
          {/* The file inputs are hidden (a file chooser has no useful look of its own); the buttons open them. */}
          <button type="button" className="button button-primary" onClick={() => fileInput.current?.click()}>
            Open a bundle…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".zip,application/zip"
            aria-label="Open a bundle"
            className="visually-hidden"
            tabIndex={-1}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) setFile(f);
              e.target.value = '';
            }}
          />
          <button type="button" className="button" onClick={() => trustInput.current?.click()}>
            {trust ? `Trust file: ${trust.name}` : 'Trust file (optional)…'}
          </button>
          <input
            ref={trustInput}
            type="file"
            accept=".json,application/json"
            aria-label="Trust file"
            className="visually-hidden"
            tabIndex={-1}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void chooseTrust(f);
              e.target.value = '';
            }}
          />
          <button type="button" className="button" aria-describedby="node-trust-note" onClick={() => void adoptNodeTrust()}>
            Use the node's trust file
          </button>
          {trust ? (
            <button type="button" className="button" onClick={() => void clearTrust()}>
              Clear trust file
            </button>
          ) : null}
        </div>
        <p id="node-trust-note" className="field-hint">
          A trust file lists the public keys that may sign checkpoints and blocks, with how many must sign, and the witnesses that must cosign checkpoints, if
          any. “Use the node's trust file” takes it from the connected node (GET /explorer/trust): the node vouches for itself, which is fine on a devnet. An
          auditor should rather use a trust file obtained out of band, from the chain's operators.
        </p>
        {trust ? (
          <p className="muted" role="status" aria-label="Trust in use">
            Trust file <span className="break">{trust.name}</span> (sha256 {trust.sha256.slice(0, 16)}…), kept in this workspace: {trustSummary(trust.trust)}
          </p>
        ) : null}
        <p className="drop-hint" aria-live="polite">
          {dragging ? 'Release to verify this file.' : '…or drop a bundle (.zip) here.'}
        </p>
      </div>
      {trustError ? <ErrorAlert error={trustError} title="The trust file cannot be used" /> : null}

      {progress ? (
        <div role="status" aria-label="Verification progress" className="bundle-progress">
          <progress
            aria-label={`${progress.phase === 'uploading' ? 'Sending' : progress.phase === 'reading' ? 'Reading entries' : 'Checking digests'}`}
            max={100}
            value={pct}
          />
          <span>
            {progress.phase === 'uploading' ? 'Sending' : progress.phase === 'reading' ? 'Reading entries' : 'Checking member digests'}: {progress.done} of{' '}
            {progress.total}
          </span>
        </div>
      ) : null}
      {error ? <ErrorAlert error={error} title="The bundle could not be verified" /> : null}

      {report && counts ? (
        <>
          <div role="status" aria-label="Bundle verdict" className={`bundle-verdict verdict-${report.verdict}`}>
            <strong>{file?.name}</strong>: <Verdict v={report.verdict} /> — {counts.pass} passed, {counts.fail} failed, {counts.unknown} unknown
            {report.subject ? (
              <div className="muted">
                {report.kind} for {report.subject.type} {report.subject.id} on {report.subject.chain_id} at height {report.subject.height}
              </div>
            ) : null}
            {report.manifestSha256 ? <div className="muted break">manifest sha256 {report.manifestSha256}</div> : null}
          </div>
          <table className="table" aria-label="Verification checklist">
            <thead>
              <tr>
                <th scope="col">Verdict</th>
                <th scope="col">Check</th>
                <th scope="col">Reason</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((c) => (
                <tr key={c.id} aria-label={`${c.title}: ${VERDICT_TEXT[c.verdict]}`}>
                  <td>
                    <Verdict v={c.verdict} />
                  </td>
                  <th scope="row">
                    {c.title}
                    <div className="muted">
                      <code>{c.id}</code>
                    </div>
                  </th>
                  <td>
                    <code>{c.reason}</code>
                  </td>
                  <td className="break">
                    {c.detail}
                    {c.items && c.verdict !== 'pass' ? (
                      <ul className="check-items">
                        {c.items.slice(0, 20).map((it, i) => (
                          <li key={i}>
                            <code>{it.subject}</code>: {it.reason} — {it.detail}
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {paths.length > 0 ? (
            <div className="bundle-browser">
              <div>
                <h3>Members</h3>
                <input type="search" aria-label="Filter members" placeholder="Filter members" value={filter} onChange={(e) => setFilter(e.target.value)} />
                {shown.length < matching.length ? (
                  <p className="muted" role="note">
                    Showing {shown.length} of {matching.length} members; type to filter.
                  </p>
                ) : null}
                <MemberTree paths={shown} selected={selected} onSelect={(p) => void select(p)} />
              </div>
              <div className="bundle-member" role="region" aria-label="Member content">
                {selected === null ? <p className="muted">Select a member to see its content.</p> : null}
                {memberError ? <ErrorAlert error={memberError} title={`${selected} could not be read`} /> : null}
                {member ? (
                  <>
                    <h3 className="break">{member.path}</h3>
                    <p className="muted break">
                      {member.size} bytes · sha256 {member.sha256}
                      {member.truncated ? ' · showing the first 512 KiB' : ''}
                    </p>
                    <pre aria-label={`Content of ${member.path}`} className="member-content">
                      {member.text !== null ? prettyJson(member.text) : `(binary, base64)\n${member.base64 ?? ''}`}
                    </pre>
                  </>
                ) : null}
              </div>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * Who signs a build: the console's own key (the embedded devnet's validator),
 * or a local software key chosen here, unlocked with its passphrase for this
 * build only (the field is cleared after each attempt and never kept in state).
 */
function SignerPicker({
  id,
  what,
  value,
  onChange,
  passRef,
}: {
  id: string;
  what: string;
  value: string;
  onChange: (v: string) => void;
  passRef: React.RefObject<HTMLInputElement | null>;
}) {
  const keys = useStore((s) => s.keys);
  const software = (keys ?? []).filter((k) => k.backend === 'software');
  return (
    <div className="bundle-signer">
      <label htmlFor={`${id}-signer`}>Sign with</label>
      <select id={`${id}-signer`} aria-label={`Sign the bundle for ${what} with`} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">The console's key</option>
        {software.map((k) => (
          <option key={k.keyId} value={k.keyId}>
            {k.label} ({k.scheme}, {k.keyId.slice(0, 10)}…)
          </option>
        ))}
      </select>
      {value ? (
        <>
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input id={`${id}-pass`} ref={passRef} type="password" autoComplete="current-password" aria-label={`Passphrase of the signing key for ${what}`} />
        </>
      ) : null}
    </div>
  );
}

/** The signer fields of a build call, reading and clearing the passphrase field. */
function signerInput(keyId: string, passRef: React.RefObject<HTMLInputElement | null>): { signerKeyId?: string; secret?: string } {
  if (!keyId) return {};
  const secret = passRef.current?.value ?? '';
  if (passRef.current) passRef.current.value = '';
  return secret ? { signerKeyId: keyId, secret } : { signerKeyId: keyId };
}

/** Build a bundle with `call`, download it, and keep the outcome for display. */
function useBundleBuild<T extends { fileName: string; contentBase64: string }>() {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<T | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  const run = async (call: () => Promise<T>): Promise<void> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const out = await call();
      downloadFile(out.fileName, fromBase64(out.contentBase64), 'application/zip');
      setDone(out);
    } catch (e) {
      setError(toSerializedError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, done, error, setError, setDone, run };
}

/** What the node could not give at build time, each naming the check it leaves unknown and when it will be there (nothing when empty). */
function MissingFacts({ missing }: { missing: readonly string[] }) {
  if (missing.length === 0) return null;
  return (
    <>
      <dt>Not in the bundle yet</dt>
      <dd>
        <ul aria-label="Not in the bundle yet">
          {missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      </dd>
    </>
  );
}

/** "Build bundle" for one executed withdrawal: builds, signs and downloads the zip. */
export function BuildBundleButton({ requestId, what }: { requestId: string; what: string }) {
  const { busy, done, error, run } = useBundleBuild<MethodOutput<'evidence.buildCase'>>();
  const [signer, setSigner] = useState('');
  const passRef = useRef<HTMLInputElement | null>(null);
  const build = () => run(() => client().call('evidence.buildCase', { requestId, ...signerInput(signer, passRef) }));
  return (
    <>
      <SignerPicker id={`case-${requestId}`} what={what} value={signer} onChange={setSigner} passRef={passRef} />
      <button type="button" className="button" disabled={busy} aria-label={`Build bundle for ${what}`} onClick={() => void build()}>
        {busy ? 'Building…' : 'Build bundle'}
      </button>
      {error ? <ErrorAlert error={error} title="The bundle was not built" /> : null}
      {done ? (
        <dl className="facts facts-wide" role="status" aria-label={`Built bundle for ${what}`}>
          <dt>File</dt>
          <dd>{done.fileName} (downloads)</dd>
          <dt>Members</dt>
          <dd>{done.members}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code className="break">{done.sha256}</code>
          </dd>
          <dt>Manifest SHA-256</dt>
          <dd>
            <code className="break">{done.manifestSha256}</code>
          </dd>
          <dt>Workspace copy</dt>
          <dd>
            <code className="break">{done.artifact}</code>
          </dd>
          <MissingFacts missing={done.missing} />
        </dl>
      ) : null}
    </>
  );
}

/**
 * "Build history segment": blocks FROM..TO with their transactions and signed headers, the
 * receipts of those transactions with their inclusion proofs and the checkpoints around the
 * range (with a consistency proof when one below FROM exists), signed and downloaded.
 */
export function BuildSegmentForm() {
  const latest = useStore((s) => s.node?.height ?? null);
  const [from, setFrom] = useState('1');
  const [to, setTo] = useState('');
  const toTouched = useRef(false);
  // "To" follows the latest height until the operator types one.
  useEffect(() => {
    if (!toTouched.current && latest !== null && latest > 0) setTo(String(latest));
  }, [latest]);
  const { busy, done, error, run } = useBundleBuild<MethodOutput<'evidence.buildSegment'>>();
  const [signer, setSigner] = useState('');
  const passRef = useRef<HTMLInputElement | null>(null);
  // The host checks the range (and records a refusal in the audit log).
  const build = () => run(() => client().call('evidence.buildSegment', { from: Number(from), to: Number(to), ...signerInput(signer, passRef) }));
  return (
    <section className="bundle-segment" aria-labelledby="segment-heading">
      <h2 id="segment-heading">History segment</h2>
      <form
        className="form-row"
        aria-label="Build a history segment"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void build();
        }}
      >
        <span className="inline-field">
          <label htmlFor="segment-from">From height</label>
          <input id="segment-from" type="number" min={1} step={1} required value={from} onChange={(e) => setFrom(e.target.value)} />
        </span>
        <span className="inline-field">
          <label htmlFor="segment-to">To height</label>
          <input
            id="segment-to"
            type="number"
            min={1}
            step={1}
            required
            value={to}
            onChange={(e) => {
              toTouched.current = true;
              setTo(e.target.value);
            }}
          />
        </span>
        <SignerPicker id="segment" what="the history segment" value={signer} onChange={setSigner} passRef={passRef} />
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Building…' : 'Build history segment'}
        </button>
      </form>
      {error ? <ErrorAlert error={error} title="The segment was not built" /> : null}
      {done ? (
        <dl className="facts facts-wide" role="status" aria-label="Built history segment">
          <dt>File</dt>
          <dd>{done.fileName} (downloads)</dd>
          <dt>Members</dt>
          <dd>{done.members}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code className="break">{done.sha256}</code>
          </dd>
          <dt>Workspace copy</dt>
          <dd>
            <code className="break">{done.artifact}</code>
          </dd>
          <MissingFacts missing={done.missing} />
        </dl>
      ) : null}
    </section>
  );
}
