/**
 * The workspace's content-addressed store: every artifact is a file
 * artifacts/<sha256 of its bytes><ext> (0600, written atomically) with a row in
 * the `artifacts` table of workspace.db (sha256, artifact_type, size, subject,
 * created_at; the table is created by migration 1 in ./migrations.ts). The one
 * place that writes or reads either: evidence documents and bundles, their
 * members, trust files and key attestation records all go through it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { CharterError } from '../../core/errors.js';
import { writeFileAtomic } from '../../base/node/files.js';
import { nodeSha256Hex } from '../crypto/node-hash.js';

export interface ArtifactMeta {
  /** What the bytes are (a format name, e.g. charter-key-attestation/v1). */
  type: string;
  /** What they are about (a key id, a request id, a file name…). */
  subject: string;
  /** The file name's ending after the digest ('' or e.g. '.json', '.zip'). */
  ext?: string;
  /** The row's created_at (ISO 8601); now when not given. */
  createdAt?: string;
}

export interface StoredArtifact {
  sha256: string;
  /** The artifact's file. */
  file: string;
  size: number;
}

export interface ReadArtifact {
  file: string;
  bytes: Buffer;
  /** Whether the bytes still hash to the name they are stored under. */
  intact: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const EXT = /^(\.[a-z0-9]+)*$/;

export class ArtifactStore {
  constructor(
    private readonly db: Database.Database,
    /** artifacts/ of the workspace. */
    readonly dir: string,
  ) {}

  /** The file of an artifact: artifacts/<sha256><ext>. */
  file(sha256: string, ext = ''): string {
    if (!SHA256_HEX.test(sha256) || !EXT.test(ext)) throw new CharterError('INTERNAL', 'bad artifact name');
    return path.join(this.dir, `${sha256}${ext}`);
  }

  /** Whether the store holds the file of an artifact. */
  has(sha256: string, ext = ''): boolean {
    return SHA256_HEX.test(sha256) && EXT.test(ext) && fs.existsSync(this.file(sha256, ext));
  }

  /**
   * Keep bytes (a string is its UTF-8): the file is written atomically (temp
   * file, fsync, rename) unless one with that name is there already (it holds
   * these bytes), and the row is added unless the digest has one already.
   * Inside a database transaction, the row is part of it (the file is not).
   */
  put(data: string | Uint8Array, meta: ArtifactMeta): StoredArtifact {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sha256 = nodeSha256Hex(bytes);
    const file = this.file(sha256, meta.ext ?? '');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(file, bytes, 0o600);
    }
    this.db
      .prepare('INSERT OR IGNORE INTO artifacts (sha256, artifact_type, size, subject, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(sha256, meta.type, bytes.length, meta.subject, meta.createdAt ?? new Date().toISOString());
    return { sha256, file, size: bytes.length };
  }

  /** An artifact's bytes, or null when its file is missing or unreadable (or the name is none an artifact has); `intact` says whether they still match its digest. */
  get(sha256: string, ext = ''): ReadArtifact | null {
    if (!SHA256_HEX.test(sha256) || !EXT.test(ext)) return null; // no artifact has such a name
    const file = this.file(sha256, ext);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return null;
    }
    return { file, bytes, intact: nodeSha256Hex(bytes) === sha256 };
  }

  /** The digest of the latest artifact of `type` about `subject`, or null. */
  latest(type: string, subject: string): string | null {
    const row = this.db
      .prepare('SELECT sha256 FROM artifacts WHERE artifact_type = ? AND subject = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get(type, subject) as { sha256: string } | undefined;
    return row ? row.sha256 : null;
  }
}
