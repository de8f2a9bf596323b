// Neither code, comments, docs nor UI text speak of issues or issue numbers:
// they say what a thing is or when it applies. Every source and document of
// the product and its tests is searched (node_modules, dist and test output
// excluded); the placeholder views' texts are checked as the UI shows them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATER_VIEWS } from '../../renderer/src/features/later/laterViews.js';

const ROOT = path.resolve(__dirname, '../..');
const DIRS = ['core', 'main', 'hsm', 'preload', 'renderer', 'tests', 'scripts', 'docs', 'bin', 'resources'];
const EXT = /\.(ts|tsx|mts|mjs|cjs|js|md|css|html|json|yml|yaml|rules)$/;
/** "issue 4", "issue #4", "issues 2 and 3", "issue-2", "(issue 3)", "a later issue", "which issue", "predates issue". */
const ISSUE_REF = /\bissues?[ -]?#?\d|\b(later|next|this|that|which|an?|the) issues?\b(?! (a|one|the|it|them)\b)|predates issue/i;

function files(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.') || e.name === 'test-results') return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : EXT.test(e.name) ? [p] : [];
  });
}

describe('no references to issues', () => {
  it('finds the files to search', () => {
    expect(files(path.join(ROOT, 'core')).length).toBeGreaterThan(10);
  });

  it('no source, test or document names an issue', () => {
    const self = path.relative(ROOT, __filename);
    const hits = [...DIRS.flatMap((d) => files(path.join(ROOT, d))), path.join(ROOT, 'README.md')]
      .filter((f) => path.relative(ROOT, f) !== self)
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ at: `${path.relative(ROOT, f)}:${i + 1}`, line }))
          .filter((x) => ISSUE_REF.test(x.line)),
      )
      .map((x) => `${x.at}: ${x.line.trim().slice(0, 160)}`);
    expect(hits).toEqual([]);
  });

  it('placeholder views say what they will do and what works today, not which issue brings them', () => {
    const later = LATER_VIEWS.filter((v) => v.later);
    expect(later.map((v) => v.id)).toEqual(['ceremonies', 'runbooks', 'replay']);
    for (const v of later) {
      expect(`${v.later!.issue} ${v.later!.what}`).not.toMatch(/\bissue/i);
      expect(v.later!.what).toMatch(/Today: /);
    }
  });

  it('the pattern catches what it is for', () => {
    for (const s of ['(issue 5)', 'predates issue 3', 'issue #4', 'the issue-2 flow', 'a later issue (not filed yet)', 'Views of later issues say so'])
      expect(s).toMatch(ISSUE_REF);
    for (const s of ['issues a signed checkpoint', 'error.issues.map', 'issueCheckpoint(height)', 'the node could not issue one now'])
      expect(s).not.toMatch(ISSUE_REF);
  });
});
