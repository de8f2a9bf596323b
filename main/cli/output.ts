/**
 * What the CLI writes: output files the operator names with --out, and text
 * on the terminal.
 *
 * Output files follow one rule (`keys export`, `evidence export`, `bundle
 * build`): never overwritten without --force, never written through a
 * symbolic link (not even with --force), created exclusively with mode 0600,
 * and a file this call created but could not finish is removed.
 *
 * Terminal text: anything that comes from outside the CLI (labels from key
 * files, member names from bundles, strings from a node, error messages) may
 * hold control characters: an ESC sequence can recolour, move the cursor,
 * retitle the window or hide what follows. `cleanText` drops them; `say` and
 * `sayErr` print each line through it. `jsonLine` writes --json output with the
 * characters JSON.stringify leaves raw (DEL, C1 controls, bidirectional
 * overrides, line separators) escaped too, so the value is the same and the
 * terminal sees none of them.
 */
import { CharterError } from '../../core/errors.js';
import { checkOutputFile, OutputFileError, writeOutputFile } from '../../base/node/files.js';

function exportFailed(e: unknown): never {
  if (e instanceof OutputFileError) throw new CharterError('EXPORT_FAILED', e.message, { reason: e.reason });
  throw e;
}

/** Refuse an --out target before any work is done (exists without --force, a symbolic link, not a file). */
export function checkOut(file: string, force: boolean | undefined): void {
  try {
    checkOutputFile(file, !!force);
  } catch (e) {
    exportFailed(e);
  }
}

/** Write an --out file by the rule above; EXPORT_FAILED with the reason if it cannot be. */
export function writeOut(file: string, data: string | Uint8Array, force: boolean | undefined): void {
  try {
    writeOutputFile(file, data, { force: !!force });
  } catch (e) {
    exportFailed(e);
  }
}

/** C0 controls (but tab and newline), DEL, C1 controls, and the bidirectional embedding, override and isolate marks. */

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const LINE_BREAKS = /[\t\n\u2028\u2029]/g;

/** Text from outside, made safe for one line of a terminal: control characters removed, tabs and line breaks as spaces. */
export function cleanText(s: unknown): string {
  return String(s).replace(CONTROL, '').replace(LINE_BREAKS, ' ');
}

/** A block of text made safe for a terminal: each line cleaned, the line breaks kept. */
export function cleanLines(s: string): string {
  return s
    .split(/\r?\n/)
    .map((l) => l.replace(CONTROL, '').replace(/[\u2028\u2029]/g, ' '))
    .join('\n');
}

/** Print text to stdout, every line cleaned. */
export function say(s: string): void {
  process.stdout.write(cleanLines(s) + '\n');
}

/** Print text to stderr, every line cleaned. */
export function sayErr(s: string): void {
  process.stderr.write(cleanLines(s) + '\n');
}

const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** JSON text with every character a terminal could act on written as a \u escape (the same JSON value). */
export function jsonText(v: unknown, indent?: number): string {
  return JSON.stringify(v, null, indent).replace(JSON_RAW, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Print one JSON value as a line on stdout (--json). */
export function jsonLine(v: unknown): void {
  process.stdout.write(jsonText(v) + '\n');
}
