/**
 * Notes import in a real browser against the real server (issues 5 and 10): a CSV with a bad row is
 * imported as a job followed on its event stream (polling only when the stream fails) — the progress
 * bar ends done and the refused row is listed with its line; a CSV exported by another wallet, whose
 * header names no SPEC column, is previewed, its mapping chosen in the dropdowns (each change runs
 * the preview again), then imported, and its notes are listed; one of them is edited, its history shows
 * the import's text and the edit (who, how), the imported text is restored from there, and "Undo
 * import" on the report removes the notes nobody changed since.
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');

let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  server = await startE2eServer({ name: 'notes', env: { NETWORK: 'regtest' } });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(() => server?.close());

async function signedInPage(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl });
  await signUp(context, { username, password: 'a long and unusual passphrase 7' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/notes`);
  await page.getByRole('button', { name: 'Import…' }).click();
  return { context, page };
}

function chooseFile(page: Page, name: string, text: string): Promise<void> {
  return page.locator('#import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
}

describe('notes import in the browser', () => {
  it('issue 5: imports a CSV with a bad row as a job, shows the progress done and the refused row with its line', async () => {
    const { context, page } = await signedInPage('e2e_notes_import');
    try {
      const rows = Array.from({ length: 300 }, (_, i) => (i === 149 ? 'not-a-txid,broken row' : `${txid(i + 1)},"payment ${i}, ok"`));
      await chooseFile(page, 'labels.csv', ['txid,note', ...rows].join('\r\n'));
      // The preview already shows the bad row (line 151: header on line 1) among the problems so far.
      const preview = page.getByTestId('import-preview');
      await preview.getByTestId('preview-table').waitFor({ timeout: 15_000 });
      expect(await preview.getByTestId('preview-row').count()).toBe(20);
      await expect.poll(() => preview.getByTestId('preview-errors').locator('tbody tr').first().textContent()).toMatch(/^151ref/);

      // Every value the progress bar takes, from its first render on (a small file is done in one poll).
      await page.evaluate(() => {
        const seen: Array<string | null> = [];
        (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
        new MutationObserver(() => {
          const bar = document.querySelector('progress[aria-label="Import progress"]');
          const value = bar?.getAttribute('value') ?? null;
          if (bar && seen[seen.length - 1] !== value) seen.push(value);
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
      });
      // The page follows the job on its event stream; GET /api/jobs/:id (polling) is only the fallback.
      const jobRequests: string[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/api/jobs/')) jobRequests.push(path);
      });
      await page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true }).click();
      const progress = page.getByRole('progressbar', { name: 'Import progress' });
      await progress.waitFor({ timeout: 15_000 });
      await expect.poll(() => progress.getAttribute('value'), { timeout: 15_000 }).toBe('1');
      await page.getByText('Done', { exact: true }).waitFor();
      expect(jobRequests).toEqual([expect.stringMatching(/^\/api\/jobs\/[^/]+\/events$/)]);
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
      expect(seen[0]).toBe('0');
      expect(seen.at(-1)).toBe('1');
      expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b)); // never goes back
      await page.getByText('299 new, 0 updated, 0 unchanged, 1 refused.').waitFor();
      const refused = page.getByRole('table', { name: 'Rows refused' }).locator('tbody tr');
      expect(await refused.count()).toBe(1);
      expect(await refused.locator('td').allTextContents()).toEqual(['151', 'ref', expect.any(String), expect.any(String)]);
    } finally {
      await context.close();
    }
  });

  it('follows the import by polling GET /api/jobs/:id when the job event stream fails', async () => {
    const { context, page } = await signedInPage('e2e_notes_fallback');
    try {
      await page.route('**/api/jobs/*/events', (route) => route.abort());
      const polled: string[] = [];
      page.on('request', (request) => {
        if (/^\/api\/jobs\/[^/]+$/.test(new URL(request.url()).pathname)) polled.push(request.url());
      });
      await chooseFile(page, 'labels.csv', ['txid,note', `${txid(701)},one`, `${txid(702)},two`].join('\n'));
      const importButton = page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true });
      await expect.poll(() => importButton.isDisabled(), { timeout: 15_000 }).toBe(false);
      await importButton.click();
      await page.getByText('2 new, 0 updated, 0 unchanged, 0 refused.').waitFor({ timeout: 15_000 });
      expect(polled.length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it('issue 10: previews another wallet’s export, changes the mapping, imports, edits a note, restores its imported text from its history and undoes the import', async () => {
    const { context, page } = await signedInPage('e2e_notes_preview');
    try {
      // No SPEC ref column; "Label" is found as the note column although the user's text is in "Memo".
      const csv = [
        'Date,Transaction,Label,Memo,Amount',
        `2024-01-01,${txid(901)},cat-a,rent for january,-0.01`,
        `2024-01-02,${txid(902)},cat-b,"coffee, beans",-0.0002`,
        `2024-01-03,${txid(903).toUpperCase()},cat-c,salary,0.3`,
      ].join('\n');
      await chooseFile(page, 'other-wallet.csv', csv);
      const preview = page.getByTestId('import-preview');
      const importButton = page.getByRole('dialog').getByRole('button', { name: 'Import', exact: true });
      await preview.getByTestId('import-mapping').waitFor({ timeout: 15_000 });
      await preview.getByTestId('preview-errors').getByText(/lacks a ref column/).waitFor();
      expect(await preview.getByTestId('mapping-note').inputValue()).toBe('2'); // Label, detected
      expect(await importButton.isDisabled()).toBe(true);

      await preview.getByTestId('mapping-ref').selectOption({ label: 'Transaction' });
      await preview.getByTestId('preview-table').waitFor({ timeout: 15_000 });
      await expect.poll(() => preview.getByTestId('preview-row').first().textContent()).toContain('cat-a');

      await preview.getByTestId('mapping-note').selectOption({ label: 'Memo' });
      await expect.poll(() => preview.getByTestId('preview-row').allTextContents()).toEqual([
        expect.stringMatching(/^2tx.*rent for januaryOK$/),
        expect.stringMatching(/^3tx.*coffee, beansOK$/),
        expect.stringMatching(/^4tx.*salaryOK$/),
      ]);
      expect(await preview.getByTestId('preview-errors').count()).toBe(0);
      expect((await (await context.request.get('/api/notes')).json()).items).toEqual([]); // the preview stored nothing

      await expect.poll(() => importButton.isDisabled()).toBe(false);
      await importButton.click();
      await page.getByText('3 new, 0 updated, 0 unchanged, 0 refused.').waitFor({ timeout: 15_000 });
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

      const list = page.locator('table.results tbody tr');
      await expect.poll(() => list.count(), { timeout: 15_000 }).toBe(3);
      for (const text of ['rent for january', 'coffee, beans', 'salary']) await list.filter({ hasText: text }).waitFor();
      expect(await list.filter({ hasText: 'cat-a' }).count()).toBe(0);

      // The user edits one imported note in the list…
      await list.filter({ hasText: 'rent for january' }).getByRole('button', { name: 'Edit' }).click();
      await list.getByLabel('Note', { exact: true }).fill('rent, paid twice');
      await list.getByRole('button', { name: 'Save' }).click();
      const edited = list.filter({ hasText: 'rent, paid twice' });
      await edited.waitFor({ timeout: 15_000 });
      expect(await list.filter({ hasText: 'rent for january' }).count()).toBe(0);

      // …opens its history: the UI edit (newest) and the import's text, each with who and how.
      await edited.getByRole('button', { name: 'History' }).click();
      const entries = edited.locator('.note-history li');
      await expect.poll(() => entries.count(), { timeout: 15_000 }).toBe(2);
      const [editEntry, importEntry] = await entries.allTextContents();
      expect(editEntry).toMatch(/edited by e2e_notes_preview \(web\): rent for january → rent, paid twice /);
      expect(importEntry).toMatch(/imported by e2e_notes_preview \(import, import \d+\): \(none\) → rent for january /);
      expect(await entries.nth(0).getByRole('button', { name: 'Restore' }).count()).toBe(0); // the current text
      // …restores the imported text, and sees it back in the list.
      await entries.nth(1).getByRole('button', { name: 'Restore' }).click();
      // (The open history also shows the old text, so wait until the edited text is gone from the list.)
      await expect.poll(() => list.filter({ hasText: 'rent, paid twice' }).count(), { timeout: 15_000 }).toBe(0);
      const restored = list.filter({ hasText: 'rent for january' });
      expect(await restored.locator('td').nth(2).textContent()).toBe('rent for january');
      expect(await list.count()).toBe(3);
      await restored.getByRole('button', { name: 'History' }).click();
      await expect.poll(() => restored.locator('.note-history li').count(), { timeout: 15_000 }).toBe(3);
      expect(await restored.locator('.note-history li').first().textContent()).toMatch(/restored by e2e_notes_preview \(web\)/);

      // "Undo import" on the import's report: the two notes untouched since are removed; the one the
      // user changed afterwards is left as it is and listed.
      await page.getByRole('button', { name: 'Import…' }).click();
      const dialog = page.getByRole('dialog');
      page.once('dialog', (confirm) => void confirm.accept());
      await dialog.getByRole('button', { name: 'Undo import' }).click();
      await dialog.getByText('Import undone: 0 restored, 2 removed, 1 left as they are (changed since the import).').waitFor({ timeout: 15_000 });
      expect(await dialog.locator('.undo-import li').allTextContents()).toEqual([`${txid(901)}: rent for january`]);
      expect(await dialog.getByRole('button', { name: 'Undo import' }).count()).toBe(0);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await expect.poll(() => list.count(), { timeout: 15_000 }).toBe(1);
      await list.filter({ hasText: 'rent for january' }).waitFor();
      expect((await (await context.request.get('/api/notes')).json()).items.map((n: { ref: string; note: string }) => [n.ref, n.note])).toEqual([
        [txid(901), 'rent for january'],
      ]);
    } finally {
      await context.close();
    }
  });
});
