/**
 * Security events, the evidence view's drop zone and trust file, and the audit
 * log, as a person meets them in the served console: refused transactions show
 * their stage and their stored record (no link to a transaction that does not
 * exist); a file that is not a zip is one NOT_A_ZIP failure, the rest not checked; the trust file
 * survives a reload; every action and refusal is in the audit log with the key
 * that signed, and the log filters, opens an entry and exports.
 * Controls are found by role and label only. Screenshots go to the test's output.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, test, ROOT } from './fixtures';
import { contractCall } from './contract-client';

const PASSPHRASE = 'correct horse battery staple';
const FIXTURE = path.join(ROOT, 'tests/fixtures/bundle/custody-case.zip');
const TRUST = path.join(ROOT, 'tests/fixtures/bundle/trust.json');

const editor = (page: Page): Locator => page.getByRole('main', { name: 'Editor' });
const panel = (page: Page): Locator => page.getByRole('region', { name: 'Panel' });
const auditLog = (page: Page): Locator => panel(page).getByRole('table', { name: 'Audit log' });

async function open(page: Page, url: string): Promise<void> {
  if (url) await page.goto(url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
}

async function showView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true, selected: true })).toBeVisible();
}

async function showPanelTab(page: Page, name: string): Promise<void> {
  await panel(page).getByRole('tab', { name }).click();
}

function auditRows(page: Page, action: string, ...texts: string[]): Locator {
  let rows = auditLog(page)
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: action, exact: true }) });
  for (const t of texts) rows = rows.filter({ hasText: t });
  return rows;
}

async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: info.outputPath(`${name}.png`) });
}

async function createKey(page: Page, label: string, confirm = PASSPHRASE): Promise<Locator> {
  await editor(page).getByRole('button', { name: 'Create key', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Label').fill(label);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByLabel('Confirm passphrase').fill(confirm);
  await dialog.getByRole('button', { name: 'Create key', exact: true }).click();
  return dialog;
}

/** Dispatch drag events carrying a file at the drop zone, as a browser does for a file dragged from the desktop. */
async function dragFile(zone: Locator, events: string[], file: { name: string; type: string; text: string }): Promise<void> {
  const dt = await zone.page().evaluateHandle((f) => {
    const d = new DataTransfer();
    d.items.add(new File([f.text], f.name, { type: f.type }));
    return d;
  }, file);
  for (const type of events) await zone.dispatchEvent(type, { dataTransfer: dt });
}

test('evidence: the drop zone shows a file over it; a file that is not a zip is one NOT_A_ZIP failure, the rest not checked; the trust file survives a reload', async ({
  page,
  console,
}, info) => {
  await open(page, console.url);
  await showView(page, 'Evidence');
  const zone = editor(page).getByRole('region', { name: 'Drop a bundle here' });
  await expect(zone).toBeVisible();
  const box = await zone.boundingBox();
  expect(box?.height ?? 0).toBeGreaterThan(60);
  const idle = await zone.evaluate((el) => ({ style: getComputedStyle(el).borderTopStyle, width: getComputedStyle(el).borderTopWidth }));
  expect(idle.style).toBe('dashed');
  expect(idle.width).toBe('2px');

  // A file over the zone: the zone says so (state and words), and looks different.
  const notZip = { name: 'notes.zip', type: 'application/zip', text: 'these are meeting notes, not an archive\n' };
  await dragFile(zone, ['dragenter', 'dragover'], notZip);
  await expect(zone).toHaveAttribute('data-dragging', 'true');
  await expect(zone).toContainText('Release to verify this file.');
  expect(await zone.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
  await shot(page, info, 'evidence-dragover');
  await dragFile(zone, ['dragleave'], notZip);
  await expect(zone).not.toHaveAttribute('data-dragging', 'true');

  // Dropped: one failure, NOT_A_ZIP; every other check is listed, not checked; no member tree.
  await dragFile(zone, ['dragenter', 'dragover', 'drop'], notZip);
  const verdict = editor(page).getByRole('status', { name: 'Bundle verdict' });
  await expect(verdict).toContainText('notes.zip');
  await expect(verdict).toContainText('Fail — 0 passed, 1 failed, 11 unknown');
  const checklist = editor(page).getByRole('table', { name: 'Verification checklist' });
  await expect(checklist.getByRole('row')).toHaveCount(13);
  await expect(checklist.getByRole('row', { name: /manifest\.json is a valid, canonical manifest: Unknown/ })).toContainText('NOT_CHECKED');
  await expect(checklist.getByRole('row', { name: /The archive reads within the caps: Fail/ })).toContainText('NOT_A_ZIP');
  await expect(editor(page).getByRole('tree', { name: 'Bundle members' })).toHaveCount(0);
  await expect(zone).not.toHaveAttribute('data-dragging', 'true');
  await checklist.scrollIntoViewIfNeeded();
  await shot(page, info, 'evidence-not-a-zip');

  // The worked example: its tree has the attestations.
  await editor(page).getByLabel('Open a bundle').setInputFiles(FIXTURE);
  await expect(verdict).toContainText('custody-case.zip');
  const tree = editor(page).getByRole('tree', { name: 'Bundle members' });
  await expect(tree.getByRole('treeitem', { name: 'attestations/' })).toBeVisible();
  const att = tree.getByRole('treeitem', { name: 'attestations/' }).getByRole('treeitem').first();
  await att.click();
  await expect(editor(page).getByRole('region', { name: 'Member content' })).toContainText('payloadType');

  // The trust file: chosen once, kept in the workspace, restored after a reload.
  await editor(page).getByLabel('Trust file').setInputFiles(TRUST);
  await expect(editor(page).getByRole('status', { name: 'Trust in use' })).toContainText('trust.json');
  await expect(checklist.getByRole('row', { name: /The key that built the bundle is trusted.*Pass/ })).toBeVisible();
  // The worked example with its trust file: every check of a custody case, the witness's cosignature included, passes.
  await expect(verdict).toContainText('Pass — 22 passed, 0 failed, 0 unknown');
  await expect(checklist.getByRole('row', { name: /cosigned by a quorum of trusted witnesses: Pass/ })).toBeVisible();
  await checklist.getByRole('row', { name: /cosigned by a quorum of trusted witnesses/ }).scrollIntoViewIfNeeded();
  await shot(page, info, 'evidence-checklist');
  await page.reload();
  await open(page, '');
  await showView(page, 'Evidence');
  await expect(editor(page).getByRole('status', { name: 'Trust in use' })).toContainText('trust.json');
  await editor(page).getByLabel('Open a bundle').setInputFiles(FIXTURE);
  await expect(checklist.getByRole('row', { name: /The key that built the bundle is trusted.*Pass/ })).toBeVisible();
  // A file that is not a trust file is refused where the user is looking; the kept one stays.
  await editor(page)
    .getByLabel('Trust file')
    .setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 1}') });
  await expect(editor(page).getByRole('alert').filter({ hasText: 'The trust file cannot be used' })).toContainText('BUNDLE_TRUST_INVALID');
  await expect(editor(page).getByRole('status', { name: 'Trust in use' })).toContainText('trust.json');

  // The segment form: labels apart from their fields, To prefilled with the latest height.
  const to = editor(page).getByLabel('To height');
  await expect(to).toHaveValue(/^[1-9][0-9]*$/);
  const height = Number(await to.inputValue());
  expect(height).toBeGreaterThanOrEqual(1);
  for (const name of ['From height', 'To height']) {
    const label = await editor(page).getByText(name, { exact: true }).boundingBox();
    const input = await editor(page).getByLabel(name).boundingBox();
    expect((input?.x ?? 0) - ((label?.x ?? 0) + (label?.width ?? 0))).toBeGreaterThanOrEqual(4);
  }
  await editor(page).getByRole('heading', { name: 'History segment' }).scrollIntoViewIfNeeded();
  await shot(page, info, 'evidence-segment-form');

  // An inverted range is refused by the host, and recorded.
  await editor(page).getByLabel('From height').fill('3');
  await to.fill('1');
  await editor(page).getByRole('button', { name: 'Build history segment' }).click();
  await expect(editor(page).getByRole('alert').filter({ hasText: 'The segment was not built' })).toContainText('INVALID_INPUT');
  await showPanelTab(page, 'Audit log');
  await expect(auditRows(page, 'evidence.buildSegment', 'INVALID_INPUT')).toHaveCount(1);
  await expect(auditRows(page, 'evidence.verifyBundle', 'ok').first()).toBeVisible();
  await expect(auditRows(page, 'evidence.saveTrust', 'BUNDLE_TRUST_INVALID')).toHaveCount(1);
});

test('security events show the stage and the refused transaction; the audit log records the key that signed, filters, opens and exports', async ({
  page,
  console,
}, info) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  const sent: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => void sent.push(String(f.payload))));
  await open(page, console.url);
  await showView(page, 'Keys');

  // Create key: mismatched passphrases are refused by the host, with a code, and recorded.
  const dialog = await createKey(page, 'typo', PASSPHRASE + '!');
  await expect(dialog.getByRole('alert')).toContainText('PASSPHRASE_MISMATCH');
  // Said once: the summary and the remedy, not the host's message repeating them.
  const mismatch = (await dialog.getByRole('alert').locator('.alert-message').textContent()) ?? '';
  expect(mismatch.trim()).toBe('The two passphrases are not the same.');
  expect(((await dialog.getByRole('alert').textContent()) ?? '').match(/No key was created/g)).toHaveLength(1);
  await dialog
    .getByRole('button', { name: /Cancel|Close/ })
    .first()
    .click();
  for (const label of ['ann', 'ben']) {
    const d = await createKey(page, label);
    await expect(d).toBeHidden();
  }

  // A vault and a withdrawal by ann; ben approves; ann's own approval is refused before any block.
  await showView(page, 'Approvals');
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  let d = page.getByRole('dialog', { name: 'Create vault' });
  await d.getByLabel('Name').fill('Ops');
  for (const a of ['ann', 'ben']) await d.getByLabel(a, { exact: true }).check();
  await d.getByLabel('Threshold').fill('2');
  await d.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(d).toBeHidden();
  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  d = page.getByRole('dialog', { name: 'Fund vault' });
  await d.getByLabel('Asset').fill('USDC');
  await d.getByLabel('Amount').fill('5000');
  await d.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(d).toBeHidden();
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  d = page.getByRole('dialog', { name: 'New withdrawal' });
  await d.getByLabel('Asset').fill('USDC');
  await d.getByLabel('Amount').fill('100');
  await d.getByLabel('Destination').fill('acct-audit');
  await d.getByLabel('Initiator key').selectOption({ label: 'ann' });
  await d.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await d.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(d).toBeHidden();
  const row = editor(page).getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: 'acct-audit' });
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  d = page.getByRole('dialog', { name: 'Approve withdrawal' });
  // The dialog does not sign with the initiator's key; a contract client that does gets the node's refusal.
  await d.getByLabel('Show keys that cannot approve').check();
  await d.getByRole('group', { name: 'Approve with key' }).getByLabel('ann', { exact: true }).check();
  await expect(d.getByRole('note', { name: 'Why this key cannot approve' })).toContainText('initiated this request');
  await expect(d.getByRole('button', { name: 'Sign approval' })).toBeDisabled();
  const refusal = await contractCall(console.url, 'custody.approve', async (call) => {
    const { keys } = (await call('keys.list', {})) as { keys: { keyId: string; label: string }[] };
    const { requests } = (await call('custody.listRequests', {})) as { requests: { requestId: string; destination: string }[] };
    const keyId = keys.find((k) => k.label === 'ann')?.keyId;
    const requestId = requests.find((r) => r.destination === 'acct-audit')?.requestId;
    return { requestId, keyId, passphrase: PASSPHRASE };
  });
  expect(refusal).toMatchObject({ ok: false, error: { code: 'SELF_APPROVAL' } });
  await d.getByRole('group', { name: 'Approve with key' }).getByLabel('ben', { exact: true }).check();
  await d.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await d.getByRole('button', { name: 'Sign approval' }).click();
  await expect(d).toBeHidden();
  await expect(row).toContainText('1 of 2');

  // Security events: the refusal is at admission, in no block; nothing links to a block or a transaction for it.
  await showPanelTab(page, 'Security events');
  const events = panel(page).getByRole('table', { name: 'Security events' });
  const refused = events
    .getByRole('row')
    .filter({ hasText: 'SELF_APPROVAL' })
    .filter({ has: page.getByRole('button', { name: /refused transaction/ }) });
  await expect(refused).toHaveCount(1);
  await expect(refused).toContainText('admission');
  await expect(refused).toContainText(/after \d+/);
  await expect(refused.getByRole('button', { name: /^Open (block|transaction)/ })).toHaveCount(0);
  await refused.getByRole('button', { name: /^Show refused transaction [0-9A-F]{64}$/ }).click();
  const record = panel(page).getByRole('region', { name: /^Refused transaction [0-9A-F]{64}$/ });
  await expect(record).toContainText('withdrawal.approve');
  await expect(record).toContainText('ann');
  await expect(record).toContainText('SELF_APPROVAL');
  await expect(
    record
      .getByRole('definition')
      .filter({ hasText: /initiator|approve/i })
      .first(),
  ).toBeVisible();
  await expect(record).toContainText('There is no transaction to open.');
  await shot(page, info, 'security-events-refused');

  // The kind filter is a list of the engine's kinds.
  const filter = panel(page).getByRole('form', { name: 'Filter security events' });
  const kind = filter.getByLabel('Kind');
  await expect(kind.getByRole('option', { name: 'tx rejected' })).toHaveCount(1);
  await expect(kind.getByRole('option', { name: 'key quarantined' })).toHaveCount(1);
  await kind.selectOption('tx_rejected');
  await filter.getByLabel('Stage').selectOption('admission');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(refused).toHaveCount(1);
  // An inverted range is said next to the fields, and nothing is asked of the host.
  const before = sent.filter((f) => f.includes('security.events')).length;
  await filter.getByLabel('From height').fill('9');
  await filter.getByLabel('To height').fill('2');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(filter.getByRole('alert')).toHaveText('The range is inverted: from 9 is above to 2.');
  await expect(filter.getByLabel('To height')).toHaveAttribute('aria-invalid', 'true');
  await page.waitForTimeout(300);
  expect(sent.filter((f) => f.includes('security.events') && f.includes('"fromHeight":9')).length).toBe(0);
  expect(sent.filter((f) => f.includes('security.events')).length).toBeLessThanOrEqual(before + 1);
  await shot(page, info, 'security-events-inverted');

  // Explorer search: the host reads the query and refuses what is neither a height nor a hash.
  await showView(page, 'Nodes');
  const search = editor(page).getByRole('search', { name: 'Explorer search' });
  await search.getByLabel('Block height or transaction hash').fill('block twelve');
  await search.getByRole('button', { name: 'Go' }).click();
  await expect(search.getByRole('alert')).toContainText('INVALID_INPUT');

  // Governance: bad JSON is refused by the host, with its position.
  await showView(page, 'Governance');
  const draft = editor(page).getByRole('form', { name: 'New proposal' });
  await draft.getByLabel('Action (JSON)').fill('{"type": "params.set", max_expiry_blocks: 5}');
  await draft.getByRole('button', { name: 'Sign proposal' }).click();
  await expect(editor(page).getByRole('alert').filter({ hasText: 'INVALID_JSON' })).toContainText(/line 1, column \d+/);

  // A settings change says what changed.
  await page
    .getByRole('contentinfo', { name: 'Status bar' })
    .getByRole('button', { name: /^Theme: / })
    .click();

  // The audit log: every action and refusal, with the key that signed.
  await showPanelTab(page, 'Audit log');
  await expect(auditRows(page, 'keys.create', 'PASSPHRASE_MISMATCH')).toHaveCount(1);
  await expect(auditRows(page, 'custody.approve', 'SELF_APPROVAL')).toContainText('ann');
  await expect(auditRows(page, 'custody.approve', 'ok')).toContainText('ben');
  await expect(auditRows(page, 'custody.createWithdrawal', 'ok')).toContainText('ann');
  await expect(auditRows(page, 'explorer.search', 'INVALID_INPUT')).toHaveCount(1);
  await expect(auditRows(page, 'governance.preview', 'INVALID_JSON')).toHaveCount(1);
  await expect(auditRows(page, 'settings.set', 'ok')).toContainText(/settings: theme=(light|dark)/);
  // The Result column is whole, inside the panel.
  const panelBox = await panel(page).boundingBox();
  const resultCell = auditRows(page, 'custody.approve', 'SELF_APPROVAL').getByRole('cell').last();
  await expect(resultCell).toHaveText('error SELF_APPROVAL');
  const cellBox = await resultCell.boundingBox();
  expect((cellBox?.x ?? 0) + (cellBox?.width ?? 0)).toBeLessThanOrEqual((panelBox?.x ?? 0) + (panelBox?.width ?? 0));
  expect(await resultCell.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await shot(page, info, 'audit-log');

  // Filter: errors only, then a text search.
  const af = panel(page).getByRole('form', { name: 'Filter the audit log' });
  await af.getByLabel('Result').selectOption('error');
  await af.getByRole('button', { name: 'Filter' }).click();
  await expect(auditLog(page).getByRole('row').filter({ hasText: /\bok$/ })).toHaveCount(0);
  await expect(auditRows(page, 'keys.create', 'PASSPHRASE_MISMATCH')).toHaveCount(1);
  await af.getByLabel('Search').fill('SELF_APPROVAL');
  await af.getByRole('button', { name: 'Filter' }).click();
  await expect(auditLog(page).getByRole('row')).toHaveCount(2);
  // Open the entry: every field, the signing key, the details.
  await auditLog(page)
    .getByRole('button', { name: /^Open audit entry \d+$/ })
    .click();
  const detail = panel(page).getByRole('region', { name: /^Audit entry \d+$/ });
  await expect(detail).toContainText('custody.approve');
  await expect(detail).toContainText(/ann \([0-9a-f]{40}\)/);
  await expect(detail.getByLabel(/^Details of entry \d+$/)).toContainText('"code": "SELF_APPROVAL"');
  await shot(page, info, 'audit-entry-detail');
  await detail.getByRole('button', { name: 'Close entry' }).click();
  await expect(detail).toHaveCount(0);

  // By signing key, named by its label.
  await af.getByRole('button', { name: 'Clear' }).click();
  await af.getByLabel('Actor or key').fill('ben');
  await af.getByRole('button', { name: 'Filter' }).click();
  await expect(auditLog(page).getByRole('row')).toHaveCount(2);
  await expect(auditRows(page, 'custody.approve', 'ok')).toContainText('ben');
  await af.getByLabel('Result').selectOption('error');
  await af.getByLabel('Actor or key').fill('');
  await af.getByLabel('Search').fill('SELF_APPROVAL');
  await af.getByRole('button', { name: 'Filter' }).click();
  await expect(auditLog(page).getByRole('row')).toHaveCount(2);

  // Export what the filter selects, as CSV and as JSON lines.
  const csvP = page.waitForEvent('download');
  await af.getByRole('button', { name: 'Export CSV' }).click();
  const csv = await readFile((await (await csvP).path()) as string, 'utf8');
  const lines = csv.trimEnd().split('\r\n');
  expect(lines[0]).toBe('seq,time,actor,keyId,action,subject,result,details,prevHash,hash');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('SELF_APPROVAL');
  await expect(page.getByText('Audit log exported: 1 entry', { exact: true })).toBeVisible();
  await af.getByRole('button', { name: 'Clear' }).click();
  const jsonP = page.waitForEvent('download');
  await af.getByRole('button', { name: 'Export JSON lines' }).click();
  const jsonl = (await readFile((await (await jsonP).path()) as string, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; keyId: string | null });
  expect(jsonl.length).toBeGreaterThan(8);
  expect(jsonl.some((e) => e.action === 'custody.approve' && e.keyId !== null)).toBe(true);

  // The chain still verifies.
  await panel(page).getByRole('button', { name: 'Verify chain' }).click();
  await expect(panel(page).getByText(/Audit chain verified: \d+ entries/)).toBeVisible();
});
