/**
 * Custody as a new user meets it beyond the first flow: checks the dialogs make
 * before a passphrase is asked, amounts in their asset's unit, the address
 * book, cancelling a request (with what is signed shown first), governance
 * signing with a preview and proposals in the side bar, and a first-steps
 * checklist that never un-ticks — through two withdrawals and a reload.
 * Controls are found by role and label only; screenshots go to the test's output.
 */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, test, type ConsoleFixture } from './fixtures';

const PASSPHRASE = 'correct horse battery staple';

async function openConsole(page: Page, console: ConsoleFixture): Promise<void> {
  if (console.url) await page.goto(console.url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
}

const editor = (page: Page): Locator => page.getByRole('main', { name: 'Editor' });

async function showView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true, selected: true })).toBeVisible();
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

async function createKey(page: Page, label: string): Promise<void> {
  await editor(page).getByRole('button', { name: 'Create key', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Label').fill(label);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Create key', exact: true }).click();
  await expect(dialog).toBeHidden();
}

function requestRow(page: Page, destination: string): Locator {
  return editor(page).getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: destination });
}

async function withdraw(page: Page, amount: string, destination: string, initiator = 'carol'): Promise<Locator> {
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'New withdrawal' });
  await dialog.getByLabel('Asset').fill('USDC');
  await dialog.getByLabel('Amount').fill(amount);
  await dialog.getByLabel('Destination').fill(destination);
  await dialog.getByLabel('Initiator key').selectOption({ label: initiator });
  await dialog.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(dialog).toBeHidden();
  const row = requestRow(page, destination);
  await expect(row).toContainText('Pending');
  return row;
}

async function approve(page: Page, row: Locator, key: string): Promise<void> {
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel(key, { exact: true }).check();
  await expect(dialog.getByLabel('Envelope to sign')).toContainText('withdrawal.approve');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Sign approval' }).click();
  await expect(dialog).toBeHidden();
}

/** The ticked steps of the Overview's checklist, by title. */
async function ticked(page: Page): Promise<string[]> {
  const steps = editor(page).getByRole('list', { name: 'First steps' }).getByRole('listitem');
  const out: string[] = [];
  for (const s of await steps.all()) {
    const t = (await s.textContent()) ?? '';
    if (t.includes('(done)')) out.push(t.split('(done)')[0]!.trim());
  }
  return out;
}

async function expectAllTicked(page: Page): Promise<void> {
  await showView(page, 'Overview');
  await expect(editor(page).getByRole('heading', { name: /First steps/ })).toContainText('7 of 7 done');
  expect(await ticked(page)).toHaveLength(7);
}

test('a new user is stopped before the passphrase, names destinations, cancels a request, and the checklist never un-ticks', async ({
  page,
  console,
}, testInfo) => {
  await openConsole(page, console);
  await showView(page, 'Keys');
  for (const label of ['alice', 'bob', 'carol', 'dave']) await createKey(page, label);

  // A threshold above the number of approvers is refused in the form, not after signing.
  await showView(page, 'Approvals');
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  let dialog = page.getByRole('dialog', { name: 'Create vault' });
  await dialog.getByLabel('Name').fill('Treasury');
  for (const a of ['alice', 'bob', 'carol']) await dialog.getByLabel(a, { exact: true }).check();
  await dialog.getByLabel('Threshold').fill('4');
  await expect(dialog.getByRole('alert')).toContainText('A threshold of 4 needs at least 4 approvers; 3 are chosen');
  await expect(dialog.getByText('4 of 3 approvers must sign')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Create vault', exact: true })).toBeDisabled();
  await shot(page, testInfo, '1-threshold-refused');
  await dialog.getByLabel('Threshold').fill('2');
  await expect(dialog.getByText('2 of 3 approvers must sign each withdrawal.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(dialog).toBeHidden();

  // Amounts in the asset's unit, grouped; the base units on hover.
  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Fund vault' });
  // The Asset field suggests the assets whose decimals the console knows; Amount says what it means as it is typed.
  const suggested = await dialog.getByLabel('Asset').evaluate((el) => Array.from((el as HTMLInputElement).list?.options ?? []).map((o) => o.value));
  expect(suggested).toEqual(expect.arrayContaining(['USDC', 'EURC', 'ETH']));
  await dialog.getByLabel('Amount').fill('2500');
  await dialog.getByLabel('Asset').fill('ACME');
  await expect(dialog.getByText('= 2,500 base units of ACME (the console knows no decimals for ACME)')).toBeVisible();
  await dialog.getByLabel('Asset').fill('USDC');
  await dialog.getByLabel('Amount').fill('1000000');
  await expect(dialog.getByText('= 1 USDC')).toBeVisible();
  await dialog.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(dialog).toBeHidden();
  const vaultRow = editor(page).getByRole('table', { name: 'Vaults' }).getByRole('row').filter({ hasText: 'Treasury' });
  await expect(vaultRow).toContainText('1 USDC');
  await expect(vaultRow.getByText('1 USDC')).toHaveAttribute('title', '1,000,000 base units (USDC has 6 decimals)');

  // The address book: named destinations, strict and unique.
  await editor(page).getByRole('button', { name: 'Address book', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Address book' });
  const addForm = dialog.getByRole('form', { name: 'Add a destination' });
  await addForm.getByLabel('Name').fill('Exchange hot wallet');
  await addForm.getByLabel('Destination').fill('acct-exchange-hot');
  await addForm.getByLabel('Note').fill('rebalancing');
  await addForm.getByRole('button', { name: 'Add destination' }).click();
  await expect(dialog.getByRole('table', { name: 'Named destinations' })).toContainText('acct-exchange-hot');
  await addForm.getByLabel('Name').fill('exchange HOT wallet');
  await addForm.getByLabel('Destination').fill('acct-elsewhere');
  await addForm.getByRole('button', { name: 'Add destination' }).click();
  await expect(addForm.getByRole('alert')).toContainText('ADDRESS_EXISTS');
  await shot(page, testInfo, '2-address-book');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toBeHidden();

  // New withdrawal: a named destination is picked; more than the balance is refused before the passphrase.
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'New withdrawal' });
  await dialog.getByLabel('Asset').fill('USDC');
  await dialog.getByLabel('Address book').selectOption({ label: 'Exchange hot wallet (acct-exchange-hot)' });
  await expect(dialog.getByLabel('Destination')).toHaveValue('acct-exchange-hot');
  await expect(dialog.getByText('“Exchange hot wallet” from the address book.')).toBeVisible();
  await dialog.getByLabel('Amount').fill('2000000');
  await expect(dialog.getByRole('alert')).toContainText('More than the vault holds: it has 1 USDC (1000000 base units).');
  await expect(dialog.getByRole('button', { name: 'Request withdrawal' })).toBeDisabled();
  await shot(page, testInfo, '3-withdrawal-over-balance');
  await dialog.getByLabel('Amount').fill('2500');
  await expect(dialog.getByText('= 0.0025 USDC')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Request withdrawal' })).toBeEnabled();
  // dave was never registered (he is in no vault): listed as an initiator that cannot be chosen, with why.
  const daveOption = dialog.getByLabel('Initiator key').getByRole('option', { name: /^dave — cannot initiate: not registered on chain/ });
  await expect(daveOption).toBeDisabled();
  await expect(dialog.getByText('A withdrawal is initiated by an active key with the initiator role; one key is listed but cannot be chosen.')).toBeVisible();
  await shot(page, testInfo, '3b-withdrawal-in-units');
  await dialog.getByLabel('Initiator key').selectOption({ label: 'carol' });
  await dialog.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(dialog).toBeHidden();
  const toCancel = requestRow(page, 'acct-exchange-hot');
  await expect(toCancel).toContainText('0.0025 USDC');

  // Cancel it: the dialog shows what is signed, by whom; then asks the passphrase.
  await toCancel.getByRole('button', { name: /^Cancel request wr-/ }).click();
  dialog = page.getByRole('dialog', { name: 'Cancel request' });
  await expect(dialog.getByRole('group', { name: 'Sign with' }).getByLabel('carol', { exact: true })).toBeChecked();
  // bob is neither the initiator nor a governance key: not offered.
  await expect(dialog.getByRole('group', { name: 'Sign with' }).getByLabel('bob', { exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Sign cancellation' })).toBeDisabled();
  await dialog.getByLabel('Reason').fill('wrong amount');
  const env = dialog.getByLabel('Envelope to sign');
  await expect(env).toContainText('"type": "withdrawal.cancel"');
  await expect(env).toContainText('"reason": "wrong amount"');
  await expect(dialog.getByLabel('Signing details')).toContainText(/[0-9a-f]{64}/);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await shot(page, testInfo, '4-cancel-dialog');
  await dialog.getByRole('button', { name: 'Sign cancellation' }).click();
  await expect(dialog).toBeHidden();
  await expect(toCancel).toContainText('Cancelled: wrong amount');
  await expect(toCancel.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  await shot(page, testInfo, '4b-approvals-after-cancel');
  await toCancel.getByRole('button', { name: /^Details of wr-/ }).click();
  const details = editor(page).getByRole('tabpanel');
  await expect(details.getByRole('heading', { name: 'Withdrawal of 0.0025 USDC', level: 1 })).toBeVisible();
  await expect(details).toContainText('(2500 base units)');
  await expect(details).toContainText('by carol in block');
  await expect(details).toContainText('(“Exchange hot wallet” in the address book)');
  await shot(page, testInfo, '4c-request-tab');
  await showView(page, 'Approvals');
  await page.getByRole('region', { name: 'Panel' }).getByRole('tab', { name: 'Audit log' }).click();
  await expect(
    page.getByRole('region', { name: 'Panel' }).getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'custody.cancel' }),
  ).toHaveCount(1);

  // First withdrawal: approved by two, its block opened, its evidence exported.
  const first = await withdraw(page, '2500', 'acct-first');
  await approve(page, first, 'alice');
  await approve(page, first, 'bob');
  await expect(first).toContainText(/Executed in block \d+/);
  const executedAt = Number(/Executed in block (\d+)/.exec((await first.textContent()) ?? '')?.[1]);
  await first.getByRole('button', { name: `Open block ${executedAt}` }).click();
  await expect(page.getByRole('tab', { name: `Block ${executedAt}`, selected: true })).toBeVisible();
  await showView(page, 'Evidence');
  const item = editor(page).getByRole('list', { name: 'Executed withdrawals' }).getByRole('listitem').filter({ hasText: 'acct-first' });
  await item.getByRole('button', { name: /^Export evidence/ }).click();
  await expect(item.getByRole('status', { name: /Exported evidence/ })).toBeVisible();
  await expectAllTicked(page);

  // A second withdrawal, pending then executed: no step un-ticks.
  await showView(page, 'Approvals');
  const second = await withdraw(page, '1000', 'acct-second');
  await expectAllTicked(page);
  await showView(page, 'Approvals');
  await approve(page, second, 'alice');
  await expectAllTicked(page);
  await showView(page, 'Approvals');
  await approve(page, second, 'bob');
  await expect(second).toContainText(/Executed in block \d+/);
  await expectAllTicked(page);
  // Reloaded, the steps still derive from durable state (keys, chain, the audit log).
  await page.reload();
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  await expectAllTicked(page);
  // Counts in words: four keys against the three needed; the cancelled request counted apart.
  const steps = editor(page).getByRole('list', { name: 'First steps' });
  await expect(steps).toContainText('4 keys in the keystore (3 needed)');
  await expect(steps).toContainText('2 requests, 1 cancelled');
  await shot(page, testInfo, '5-overview-after-two-withdrawals');

  // The palette offers the new actions.
  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette.getByRole('option', { name: /^Custody: Cancel Withdrawal Request…/ })).toContainText('Ctrl+K X');
  await expect(palette.getByRole('option', { name: /^Custody: Open Address Book…/ })).toContainText('Ctrl+K D');
  await page.keyboard.press('Escape');
});

test('governance: only valid tracks, every signature previewed and confirmed, proposals in the side bar', async ({ page, console }, testInfo) => {
  await openConsole(page, console);
  await showView(page, 'Governance');
  const draft = editor(page).getByRole('form', { name: 'New proposal' });
  // Each action offers exactly the track the engine accepts it on.
  await expect(draft.getByLabel('Track').getByRole('option')).toHaveText(['protocol']);
  await draft.getByLabel('Action', { exact: true }).selectOption('whitelist.add');
  await expect(draft.getByLabel('Track').getByRole('option')).toHaveText(['operational']);
  // A wrong field is refused before anything is signed, next to the button.
  await draft.getByLabel('Action (JSON)').fill('{"type": "whitelist.add", "vault_id": "treasury"}');
  await draft.getByRole('button', { name: 'Review and sign proposal' }).click();
  await expect(draft.getByRole('alert')).toContainText('INVALID_INPUT');
  await expect(draft.getByRole('alert')).toContainText('destination');
  await expect(page.getByRole('dialog', { name: 'Sign proposal' })).toHaveCount(0);
  await shot(page, testInfo, '5b-governance-form-refusal');

  await draft.getByLabel('Action', { exact: true }).selectOption('params.set');
  await draft.getByLabel('Action (JSON)').fill('{"type": "params.set", "max_expiry_blocks": 640}');
  await draft.getByRole('button', { name: 'Review and sign proposal' }).click();
  let dialog = page.getByRole('dialog', { name: 'Sign proposal' });
  await expect(dialog.getByRole('group', { name: 'Sign as' }).getByLabel('Devnet admin')).toBeChecked();
  await expect(dialog.getByLabel('Envelope to sign')).toContainText('"type": "gov.propose"');
  await expect(dialog.getByLabel('Envelope to sign')).toContainText('"max_expiry_blocks": 640');
  await shot(page, testInfo, '6-governance-sign-proposal');
  // Cancel signs nothing.
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(editor(page).getByText('No proposals yet.')).toBeVisible();
  await draft.getByRole('button', { name: 'Review and sign proposal' }).click();
  dialog = page.getByRole('dialog', { name: 'Sign proposal' });
  await dialog.getByRole('button', { name: 'Sign proposal' }).click();
  await expect(dialog).toBeHidden();

  // The side bar lists proposals with their status and opens them.
  const side = page.getByRole('complementary', { name: 'Side bar' }).getByRole('list', { name: 'Proposals' });
  await expect(side.getByRole('button', { name: /params\.set\s*open/ })).toBeVisible();
  const row = editor(page).getByRole('table', { name: 'Proposals' }).getByRole('row').filter({ hasText: 'params.set' });
  await row.getByRole('button', { name: /^Vote yes on params\.set/ }).click();
  dialog = page.getByRole('dialog', { name: 'Sign vote' });
  await expect(dialog.getByLabel('Envelope to sign')).toContainText('"vote": "yes"');
  // The envelope names only the proposal id: what the proposal does is shown above it.
  const does = dialog.getByLabel('What the proposal does');
  await expect(does).toContainText('params.set');
  await expect(does).toContainText('Trackprotocol');
  await expect(does).toContainText(/open, voting ends at block \d+/);
  await expect(does).toContainText(/\d+ yes, \d+ no, \d+ abstain of 1 member;/);
  await expect(does).toContainText('Max expiry blocks640');
  await shot(page, testInfo, '6-governance-vote-dialog');
  await dialog.getByRole('button', { name: 'Sign vote' }).click();
  await expect(dialog).toBeHidden();
  await expect(side.getByRole('button', { name: /params\.set\s*passed/ })).toBeVisible();
  await showView(page, 'Overview');
  await showView(page, 'Governance');
  await side.getByRole('button', { name: /params\.set/ }).click();
  const details = editor(page).getByLabel('Proposal details');
  await expect(details).toContainText('passed');
  // The devnet admin proposed and voted: named, not a key id.
  await expect(details).toContainText('Devnet admin: yes');
  await expect(details).not.toContainText(/\b[0-9a-f]{8}…/);
  await expect(editor(page).getByLabel('Proposed action')).toContainText('"max_expiry_blocks": 640');
  await shot(page, testInfo, '7-governance-side-bar');
});
