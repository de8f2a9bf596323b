/**
 * Evidence bundles in the Evidence view, driven by role and label: open the
 * worked-example bundle (tests/fixtures/bundle) and read its checklist, member
 * tree and a member; add the trust file; open a tampered copy and see the
 * failure with its reason; then build a custody-case bundle for a withdrawal
 * executed in this console, download it and verify the download.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test, ROOT } from './fixtures';
import { canonicalJson, utf8 } from '../../core/codec/index.js';
import { assembleBundle } from '../../core/evidence/bundle/index.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY } from '../unit/bundle-kit.js';

/** A large signed bundle (many small members), to watch verification progress. */
async function largeBundle(members: number): Promise<Buffer> {
  const b = await assembleBundle({
    // A kind this verifier does not know (a segment holds at most 10,000 blocks): the container and member checks still run.
    kind: 'block-archive',
    subject: { type: 'height-range', id: `1:${members}`, chain_id: 'charter-test', height: members },
    tool: { name: 'e2e', version: '0' },
    members: Array.from({ length: members }, (_, i) => ({
      path: `blocks/${String(i + 1).padStart(12, '0')}.json`,
      artifact_type: 'charter.block/v1',
      bytes: utf8(
        canonicalJson({ height: i + 1, chain_id: 'charter-test', hash: String(i + 1).padStart(64, '0'), last_block_hash: String(i).padStart(64, '0') }),
      ),
    })),
    signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) },
  });
  return writeZip(b.files);
}

const PASSPHRASE = 'correct horse battery staple';
const FIXTURE = path.join(ROOT, 'tests/fixtures/bundle/custody-case.zip');
const TRUST = path.join(ROOT, 'tests/fixtures/bundle/trust.json');

const editor = (page: Page): Locator => page.getByRole('main', { name: 'Editor' });

async function showView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true, selected: true })).toBeVisible();
}

function checkRow(page: Page, title: string | RegExp): Locator {
  return editor(page).getByRole('table', { name: 'Verification checklist' }).getByRole('row', { name: title });
}

test('open, inspect and verify evidence bundles; build one for an executed withdrawal', async ({ page, console }, info) => {
  if (console.url) await page.goto(console.url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  await showView(page, 'Evidence');

  // 1. The worked example without a trust file: nothing fails, trust is unknown.
  await editor(page).getByLabel('Open a bundle').setInputFiles(FIXTURE);
  const verdict = editor(page).getByRole('status', { name: 'Bundle verdict' });
  await expect(verdict).toContainText('Unknown');
  await expect(verdict).toContainText('0 failed');
  await expect(checkRow(page, /The key that built the bundle is trusted.*Unknown/)).toContainText('NO_TRUST_FILE');
  await expect(checkRow(page, /Every member has the size and SHA-256.*Pass/)).toBeVisible();

  // The member tree and a member's content.
  const tree = editor(page).getByRole('tree', { name: 'Bundle members' });
  await tree.getByRole('treeitem', { name: 'request.json' }).click();
  await expect(editor(page).getByLabel('Content of request.json')).toContainText('"request_id": "wr-c0414ab3dcdeb650c7c0a366"');
  await tree.getByRole('treeitem', { name: 'receipt-inclusion.json' }).click();
  await expect(editor(page).getByLabel('Content of proofs/receipt-inclusion.json')).toContainText('"mmr_index": 7');

  // 2. With the trust file: the attestation and the checkpoint are trusted.
  await editor(page).getByLabel('Trust file').setInputFiles(TRUST);
  await expect(checkRow(page, /The key that built the bundle is trusted.*Pass/)).toBeVisible();
  await expect(checkRow(page, /checkpoint is signed by a quorum of trusted log keys.*Pass/)).toBeVisible();
  await expect(checkRow(page, /inclusion proof reaches the checkpoint.*Pass/)).toBeVisible();
  await expect(checkRow(page, /policy at the execution height.*Pass/)).toBeVisible();
  // Every check of the worked example passes with its trust file.
  await expect(verdict).toContainText('Pass');
  await expect(verdict).toContainText('0 failed');

  // 3. A tampered copy fails, with the member and the reason.
  const bytes = Buffer.from(await readFile(FIXTURE));
  const at = bytes.indexOf(Buffer.from('"amount":"1500"'));
  expect(at).toBeGreaterThan(0);
  bytes.write('"amount":"9500"', at);
  await editor(page).getByLabel('Open a bundle').setInputFiles({ name: 'tampered.zip', mimeType: 'application/zip', buffer: bytes });
  await expect(verdict).toContainText('Fail');
  // A changed byte of a stored entry: its CRC-32 no longer matches, so the archive is refused before anything is read from it.
  await expect(checkRow(page, /The archive reads within the caps.*Fail/)).toContainText('CRC_MISMATCH');
  await expect(checkRow(page, /The archive reads within the caps.*Fail/)).toContainText(/request(-state)?\.json/);
  await expect(checkRow(page, /Every member has the size and SHA-256.*Unknown/)).toContainText('NOT_CHECKED');

  // 4. A large bundle shows its progress while it is sent and verified, then its checklist.
  await editor(page)
    .getByLabel('Open a bundle')
    .setInputFiles({ name: 'large.zip', mimeType: 'application/zip', buffer: await largeBundle(30_000) });
  await expect(editor(page).getByRole('status', { name: 'Verification progress' })).toBeVisible();
  await expect(editor(page).getByRole('status', { name: 'Verification progress' })).toBeHidden({ timeout: 120_000 });
  await expect(verdict).toContainText('large.zip');
  await expect(checkRow(page, /The members are those the kind defines.*Unknown/)).toContainText('KIND_UNKNOWN');
  await expect(checkRow(page, /Every member has the size and SHA-256.*Pass/)).toContainText('30000 members match');
  // The tree shows a window of a large bundle; the filter finds any member.
  // manifest.json, the 30,000 blocks and the attestation.
  await expect(editor(page).getByRole('note')).toContainText('Showing 500 of 30002 members');
  await editor(page).getByLabel('Filter members').fill('000000029999');
  await tree.getByRole('treeitem', { name: '000000029999.json' }).click();
  await expect(editor(page).getByLabel('Content of blocks/000000029999.json')).toContainText('"height": 29999');

  // 5. A withdrawal executed here, then its bundle built, downloaded and verified.
  await showView(page, 'Keys');
  for (const label of ['dora', 'eve']) {
    await editor(page).getByRole('button', { name: 'Create key', exact: true }).click();
    const d = page.getByRole('dialog', { name: 'Create key' });
    await d.getByLabel('Label').fill(label);
    await d.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await d.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await d.getByRole('button', { name: 'Create key', exact: true }).click();
    await expect(d).toBeHidden();
  }
  await showView(page, 'Approvals');
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  let dialog = page.getByRole('dialog', { name: 'Create vault' });
  await dialog.getByLabel('Name').fill('Ops');
  for (const a of ['dora', 'eve']) await dialog.getByLabel(a, { exact: true }).check();
  await dialog.getByLabel('Threshold').fill('1');
  await dialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(dialog).toBeHidden();
  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Fund vault' });
  await dialog.getByLabel('Asset').fill('USDC');
  await dialog.getByLabel('Amount').fill('5000');
  await dialog.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(dialog).toBeHidden();
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'New withdrawal' });
  await dialog.getByLabel('Asset').fill('USDC');
  await dialog.getByLabel('Amount').fill('700');
  await dialog.getByLabel('Destination').fill('acct-bundle');
  await dialog.getByLabel('Memo').fill('bundle e2e');
  await dialog.getByLabel('Initiator key').selectOption({ label: 'dora' });
  await dialog.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(dialog).toBeHidden();
  const row = editor(page).getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: 'acct-bundle' });
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel('eve', { exact: true }).check();
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Sign approval' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText(/Executed in block \d+/);

  await showView(page, 'Evidence');
  const what = '0.0007 USDC (700 base units) to acct-bundle';
  const downloadP = page.waitForEvent('download');
  await editor(page)
    .getByRole('button', { name: `Build bundle for ${what}` })
    .click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(/^bundle-wr-[0-9a-f]{24}\.zip$/);
  const built = editor(page).getByRole('status', { name: `Built bundle for ${what}` });
  await expect(built).toContainText(/[0-9a-f]{64}/);
  // Built right after the execution, nothing is missing: the devnet made the checkpoint the case needs.
  await expect(built).not.toContainText('Not in the bundle yet');
  const file = await download.path();
  expect(file).toBeTruthy();
  // The downloaded zip opens in the same view; the signature verifies (trust is the verifier's choice).
  await editor(page).getByLabel('Trust file').setInputFiles([]);
  await editor(page)
    .getByRole('button', { name: 'Clear trust file' })
    .click()
    .catch(() => {});
  await editor(page)
    .getByLabel('Open a bundle')
    .setInputFiles({ name: 'built.zip', mimeType: 'application/zip', buffer: await readFile(file as string) });
  await expect(verdict).toContainText('0 failed');
  await expect(checkRow(page, /with valid signatures.*Pass/)).toBeVisible();
  await expect(checkRow(page, /Every transaction behind the request.*Pass/)).toBeVisible();
  await expect(checkRow(page, /policy at the execution height.*Pass/)).toBeVisible();
  await expect(checkRow(page, /inclusion proof reaches the checkpoint.*Pass/)).toBeVisible();
  await expect(checkRow(page, /signed by trusted validators.*Unknown/)).toContainText('NO_TRUST_FILE');
  // "Use the node's trust file": the connected node's own trust file is chosen, and the case built right after
  // its execution verifies Pass; the view says what that trust file is and when to rather use one from elsewhere.
  await expect(editor(page).getByText('An auditor should rather use a trust file obtained out of band')).toBeVisible();
  await editor(page).getByRole('button', { name: "Use the node's trust file" }).click();
  await expect(editor(page).getByRole('status', { name: 'Trust in use' })).toContainText(/node-trust-.+\.json/);
  await expect(verdict).toContainText('Pass');
  await expect(verdict).toContainText('0 failed, 0 unknown');
  await expect(checkRow(page, /signed by trusted validators.*Pass/)).toBeVisible();
  await page.screenshot({ path: info.outputPath('node-trust.png'), fullPage: false });
  await editor(page).getByRole('button', { name: 'Clear trust file' }).click();
  await expect(editor(page).getByRole('status', { name: 'Trust in use' })).toHaveCount(0);

  // 6. Signed with a local key chosen in the key picker: a wrong passphrase is refused, the right one signs.
  const picker = editor(page).getByLabel(`Sign the bundle for ${what} with`);
  await picker.selectOption({ label: (await picker.getByRole('option', { name: /^dora / }).textContent()) as string });
  const prefix = /\(ed25519, ([0-9a-f]{10})…\)/.exec((await picker.getByRole('option', { name: /^dora / }).textContent()) ?? '')?.[1];
  expect(prefix).toMatch(/^[0-9a-f]{10}$/);
  const pass = editor(page).getByLabel(`Passphrase of the signing key for ${what}`);
  await pass.fill('not the passphrase');
  await editor(page)
    .getByRole('button', { name: `Build bundle for ${what}` })
    .click();
  await expect(editor(page).getByRole('alert').filter({ hasText: 'The bundle was not built' })).toContainText('WRONG_PASSPHRASE');
  await expect(pass).toHaveValue('');
  await pass.fill(PASSPHRASE);
  const download2P = page.waitForEvent('download');
  await editor(page)
    .getByRole('button', { name: `Build bundle for ${what}` })
    .click();
  const file2 = await (await download2P).path();
  await editor(page)
    .getByLabel('Open a bundle')
    .setInputFiles({ name: 'built-by-dora.zip', mimeType: 'application/zip', buffer: await readFile(file2 as string) });
  await expect(verdict).toContainText('built-by-dora.zip');
  await expect(verdict).toContainText('0 failed');
  await expect(checkRow(page, /with valid signatures.*Pass/)).toBeVisible();
  // The attestation is dora's: the trust check names her key (no trust file given, so it is unknown).
  await expect(checkRow(page, /The key that built the bundle is trusted.*Unknown/)).toContainText(new RegExp(`${prefix}[0-9a-f]{30}`));

  // 7. A history segment from the Evidence view: heights 1..3, signed by the console's key.
  await editor(page).getByLabel('From height').fill('3');
  await editor(page).getByLabel('To height').fill('1');
  await editor(page).getByRole('button', { name: 'Build history segment' }).click();
  await expect(editor(page).getByRole('alert').filter({ hasText: 'The segment was not built' })).toContainText('INVALID_INPUT');
  await editor(page).getByLabel('From height').fill('1');
  await editor(page).getByLabel('To height').fill('3');
  const download3P = page.waitForEvent('download');
  await editor(page).getByRole('button', { name: 'Build history segment' }).click();
  const download3 = await download3P;
  expect(download3.suggestedFilename()).toBe('segment-1-3.zip');
  const segment = editor(page).getByRole('status', { name: 'Built history segment' });
  await expect(segment).toContainText(/[0-9a-f]{64}/);
  // Nothing is signed below height 1: the build says the segment has no earlier checkpoint.
  await expect(segment.getByRole('list', { name: 'Not in the bundle yet' })).toContainText(
    'proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: the node has signed no checkpoint below height 1',
  );
  await editor(page)
    .getByLabel('Open a bundle')
    .setInputFiles({ name: 'segment.zip', mimeType: 'application/zip', buffer: await readFile((await download3.path()) as string) });
  await expect(verdict).toContainText('segment.zip');
  await expect(verdict).toContainText('0 failed');
  await expect(checkRow(page, /Every block of the range.*Pass/)).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: '000000000003.json' })).toBeVisible();
});
