/**
 * The workspace's error log, logs/charter.log: what an internal error was
 * (its message and stack, which name files and install paths) kept on the
 * operator's disk, under the error id the UI and the Output panel show
 * instead. The renderer, the Output panel and the audit log see the id only.
 *
 *   - one JSON object per line: {time, errorId, source, message, stack};
 *   - mode 0600 in a 0700 directory;
 *   - bounded: when the file would pass `maxBytes` it is renamed to
 *     charter.log.1 (replacing the older one) and a new file is begun, so the
 *     two together stay under twice the bound;
 *   - secrets: values the caller names (the passphrases and PINs of the call
 *     that failed) are replaced by [redacted] wherever they appear.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../../core/contract/index.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenMode } from '../../base/node/files.js';

/** The log's name relative to the workspace, as messages show it (never an absolute path). */
export const ERROR_LOG_NAME = 'logs/charter.log';
export const ERROR_LOG_MAX_BYTES = 1024 * 1024;
const MAX_FIELD = 16 * 1024;

/** A short id an operator can read out and search for: "E-" and 12 hex digits. */
export function newErrorId(): string {
  return `E-${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
}

export interface ErrorLogEntry {
  errorId: string;
  /** Where it happened: a contract method, "serve", "devnet". */
  source: string;
  error: unknown;
  /** Secret values to scrub from the message and stack (the failed call's passphrases, PINs). */
  secrets?: readonly string[];
}

function replaceSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole; also in its JSON-escaped form.
  const forms = secrets.filter((v) => v.length > 0).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
  for (const s of [...new Set(forms)].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}

function scrub(text: string, secrets: readonly string[]): string {
  const out = replaceSecrets(text, secrets);
  return out.length > MAX_FIELD ? `${out.slice(0, MAX_FIELD)}… (${out.length - MAX_FIELD} more characters)` : out;
}

function scrubbedDetails(details: unknown, secrets: readonly string[]): unknown {
  try {
    return JSON.parse(replaceSecrets(JSON.stringify(details) ?? 'null', secrets)) as unknown;
  } catch {
    return '[details withheld: they could not be cleaned of secrets]';
  }
}

export class ErrorLog {
  readonly file: string;
  constructor(
    workspaceDir: string,
    private readonly maxBytes = ERROR_LOG_MAX_BYTES,
  ) {
    this.file = path.join(workspaceDir, ERROR_LOG_NAME);
  }

  /** Append one entry; false if the log cannot be written (the caller still shows the id). */
  record(entry: ErrorLogEntry): boolean {
    const e = entry.error;
    const secrets = entry.secrets ?? [];
    const message = e instanceof Error ? e.message : String(e);
    const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
    const details = e !== null && typeof e === 'object' && 'details' in e ? redactSecrets((e as { details: unknown }).details) : undefined;
    const line =
      JSON.stringify({
        time: new Date().toISOString(),
        errorId: entry.errorId,
        source: scrub(entry.source, secrets),
        message: scrub(message, secrets),
        stack: scrub(stack, secrets),
        ...(details !== undefined ? { details: scrubbedDetails(details, secrets) } : {}),
      }) + '\n';
    try {
      ensurePrivateDir(path.dirname(this.file));
      let size = 0;
      try {
        size = fs.statSync(this.file).size;
      } catch {
        // not there yet
      }
      if (size > 0 && size + Buffer.byteLength(line) > this.maxBytes) fs.renameSync(this.file, `${this.file}.1`);
      fs.appendFileSync(this.file, line, { mode: PRIVATE_FILE_MODE });
      tightenMode(this.file, PRIVATE_FILE_MODE);
      return true;
    } catch {
      return false;
    }
  }
}
