// A page object for the VS Code workbench in the browser: the command palette, quick picks, the
// status bar, notifications and the text of the active editor. Every wait polls with a deadline
// and says what it was waiting for when it gives up.
import type { Locator, Page } from 'playwright-core';
import type { SettingsTarget } from './userSettings';

export class TimeoutError extends Error {}

/** Polls `probe` until it returns a truthy value; throws after `timeoutMs` with the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e instanceof Error ? e.message.split('\n')[0] : e;
    }
    if (Date.now() > deadline)
      throw new TimeoutError(
        `timed out after ${timeoutMs / 1000} s waiting for ` +
          `${what}${last !== undefined && last !== false && last !== null ? ` (last: ${JSON.stringify(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Notification {
  message: string;
  source: string;
  buttons: string[];
}

export interface StatusItem {
  /** The visible text (icons are not text). */
  text: string;
  /** The accessible label: the extension's full description of the state. */
  label: string;
  /** The codicons shown, in order ("check", "circle-slash"). */
  icons: string[];
}

export interface TabInfo {
  title: string;
  /** The description VS Code shows beside the title when it needs to (and in the hover). */
  description: string;
  /** The tab's accessible label. */
  label: string;
}

export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string, timeoutMs = 90_000): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: timeoutMs });
  }

  // --- command palette and quick picks ---------------------------------------------------------

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Runs a command from the palette by its full title ("Alembic: Show Engine Status"). */
  async runCommand(title: string): Promise<void> {
    const input = this.quickInput.locator('input.input');
    // Up to three tries: a webview that takes the focus as it loads (a walkthrough's media) or an
    // editor closing under it closes the palette, and while the focus is inside one, F1 goes nowhere.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.closeQuickInput();
        await this.page.keyboard.press('F1');
        if (
          !(await input.waitFor({ state: 'visible', timeout: 3000 }).then(
            () => true,
            () => false,
          ))
        ) {
          await this.page.locator('.command-center-center').click({ timeout: 3000 }); // the palette from the title bar
        }
        await input.fill(`>${title}`, { timeout: 3000 });
        await this.acceptRow(title);
        return;
      } catch (e) {
        if (attempt === 3) {
          const dialog = await this.openDialogText().catch(() => undefined);
          throw new Error(
            `could not run "${title}" from the command palette: ${e instanceof Error ? e.message.split('\n')[0] : e}` +
              (dialog ? ` (a modal dialog is open: "${dialog}")` : ''),
          );
        }
      }
    }
  }

  /** In an open quick pick: types `filter` and accepts the row whose label starts with `text`. */
  async pick(text: string, filter = text): Promise<void> {
    const input = this.quickInput.locator('input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(filter);
    await this.acceptRow(text);
  }

  /** Accepts the row whose label starts with `text`: Enter when it is highlighted, else a click.
   * The list re-renders while it filters, so a row found is acted on with short timeouts and
   * looked up again when it moved. */
  private async acceptRow(text: string): Promise<void> {
    const rows = this.quickInput.locator('.monaco-list-row');
    for (let attempt = 1; ; attempt++) {
      const index = await waitFor(
        `the quick pick to show "${text}"`,
        async () => {
          const labels = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
          const i = labels.findIndex((label) => label.startsWith(text));
          return i >= 0 ? i + 1 : undefined;
        },
        15_000,
      );
      const row = rows.nth(index - 1);
      try {
        if (await row.evaluate((el) => el.classList.contains('focused'), undefined, { timeout: 2000 }))
          await this.page.keyboard.press('Enter');
        else await row.click({ timeout: 2000 });
        return;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
  }

  /** In the file dialog (code-server's own, in the quick input): types `path` and accepts it. */
  async chooseFile(path: string): Promise<void> {
    const input = this.quickInput.locator('input.input');
    // The dialog opens on a folder ("/…/"); typing before it has would be overwritten.
    await waitFor(
      'the file dialog',
      async () => (await input.isVisible()) && (await input.inputValue()).endsWith('/'),
      10_000,
    );
    const name = path.slice(path.lastIndexOf('/') + 1);
    const listed = async () =>
      (await input.inputValue()) === path &&
      this.quickInput.locator('.monaco-list-row', { hasText: name }).first().isVisible();
    // The dialog lists a folder from what it read when it navigated there: a file written just
    // before can be missing, and typing the same folder again does not read it again. Going up to
    // the parent and back into the folder does; on a loaded machine the navigation itself can also
    // overwrite what was typed, which the next try types again.
    const folder = path.slice(0, path.lastIndexOf('/') + 1);
    const parent = folder.slice(0, folder.slice(0, -1).lastIndexOf('/') + 1);
    for (let attempt = 1; ; attempt++) {
      await input.fill(path);
      try {
        await waitFor(`the file dialog to list ${name}`, listed, 5_000);
        break;
      } catch (e) {
        if (attempt === 4) throw e;
        for (const step of [parent, folder]) {
          await input.fill(step);
          await waitFor(
            `the file dialog to show ${step}`,
            async () => (await input.inputValue()) === step,
            3_000,
          ).catch(() => undefined);
          await this.page.waitForTimeout(300);
        }
      }
    }
    await this.page.keyboard.press('Enter');
    await waitFor('the file dialog to close', async () => !(await this.quickInput.isVisible()), 10_000);
  }

  /** The labels of the rows the open quick pick shows. */
  async quickPickRows(): Promise<string[]> {
    if (!(await this.quickInput.isVisible())) return [];
    return (await this.quickInput.locator('.monaco-list-row').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
  }

  async closeQuickInput(): Promise<void> {
    for (let i = 0; i < 3 && (await this.quickInput.isVisible()); i++) {
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(100);
    }
  }

  // --- modal dialogs and recovery --------------------------------------------------------------

  private get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** The text of the modal dialog on screen, or undefined when there is none. */
  async openDialogText(): Promise<string | undefined> {
    if (!(await this.dialog.isVisible())) return undefined;
    return (await this.dialog.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Brings the window back to a known state after a failed scenario: no dialog, no quick input and
   * no editors, unsaved changes discarded. A scenario that failed half-way leaves a scratch file
   * dirty; the next "Close All Editors" would then ask whether to save it in a modal dialog that
   * blocks the palette, and every later scenario would fail on that dialog instead of on its own. */
  async recover(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await this.dismissDialog();
      await this.closeQuickInput();
      if ((await this.page.locator('.part.editor .tab').count()) === 0) return;
      await this.runCommand('View: Close All Editors').catch(() => undefined);
      await waitFor(
        'the editors to close or a dialog to ask',
        async () => (await this.dialog.isVisible()) || (await this.page.locator('.part.editor .tab').count()) === 0,
        5000,
      ).catch(() => undefined);
    }
  }

  /** Answers an open modal dialog the way that changes nothing: "Don't Save" when it asks about
   * unsaved changes, else Cancel, else Escape. */
  private async dismissDialog(): Promise<void> {
    if (!(await this.dialog.isVisible())) return;
    const buttons = this.dialog.locator('.monaco-button');
    const labels = (await buttons.allInnerTexts()).map((t) => t.trim());
    const choice = labels.findIndex((l) => /^Don.t Save$/.test(l));
    const cancel = labels.indexOf('Cancel');
    if (choice >= 0) await buttons.nth(choice).click({ timeout: 3000 });
    else if (cancel >= 0) await buttons.nth(cancel).click({ timeout: 3000 });
    else await this.page.keyboard.press('Escape');
    await waitFor('the dialog to close', async () => !(await this.dialog.isVisible()), 5000).catch(() => undefined);
  }

  // --- status bar ------------------------------------------------------------------------------

  /** The status bar item an extension created with id `id` (VS Code prefixes it with the extension id). */
  statusItemLocator(id: string): Locator {
    return this.page.locator(`.part.statusbar .statusbar-item[id$="${id}"]`);
  }

  async statusItem(id: string): Promise<StatusItem | undefined> {
    const item = this.statusItemLocator(id);
    if ((await item.count()) === 0) return undefined;
    // One read of the text, the label and the icons: read one by one, they can come from two
    // renders (the label already snoozed, the icons not yet).
    const { text, label, icons } = await item
      .first()
      .locator('.statusbar-item-label')
      .evaluate((el) => ({
        text: (el as HTMLElement).innerText,
        label: el.getAttribute('aria-label') ?? '',
        icons: [...el.querySelectorAll('.codicon')].flatMap((i) =>
          [...i.classList]
            .filter((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin')
            .map((c) => c.slice(8)),
        ),
      }));
    return { text: text.replace(/\s+/g, ' ').trim(), label, icons };
  }

  /** Starts recording every accessible label the status item shows (a restart's short-lived states
   * would be missed by polling); `stop()` returns them in order. */
  async recordStatusLabels(id: string): Promise<{ stop(): Promise<string[]> }> {
    const key = `__alembicStatusLog${Date.now()}`;
    await this.page.evaluate(
      ({ id, key }) => {
        const seen: string[] = [];
        const read = () => {
          const label =
            document
              .querySelector(`.part.statusbar .statusbar-item[id$="${id}"] .statusbar-item-label`)
              ?.getAttribute('aria-label') ?? '(no item)';
          if (seen[seen.length - 1] !== label) seen.push(label);
        };
        read();
        const observer = new MutationObserver(read);
        observer.observe(document.querySelector('.part.statusbar')!, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
        (window as unknown as Record<string, unknown>)[key] = { seen, observer };
      },
      { id, key },
    );
    return {
      stop: () =>
        this.page.evaluate((key) => {
          const rec = (window as unknown as Record<string, { seen: string[]; observer: MutationObserver }>)[key]!;
          rec.observer.disconnect();
          return rec.seen;
        }, key),
    };
  }

  // --- notifications ---------------------------------------------------------------------------

  /** The notifications on screen: the toasts, and the notification center when it is open. */
  async notifications(): Promise<Notification[]> {
    const items = this.page.locator(
      '.notifications-toasts .notification-list-item, .notifications-center .notification-list-item',
    );
    const out: Notification[] = [];
    for (const item of await items.all()) {
      if (!(await item.isVisible())) continue;
      out.push({
        message: (await item.locator('.notification-list-item-message').innerText()).trim(),
        source: (
          await item
            .locator('.notification-list-item-source')
            .innerText()
            .catch(() => '')
        ).trim(),
        buttons: (await item.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts()).map(
          (t) => t.trim(),
        ),
      });
    }
    return out;
  }

  async waitForNotification(
    what: string,
    match: (n: Notification) => boolean,
    timeoutMs = 20_000,
  ): Promise<Notification> {
    return waitFor(`a notification: ${what}`, async () => (await this.notifications()).find(match), timeoutMs);
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await waitFor('the notifications to close', async () => (await this.notifications()).length === 0, 5000);
  }

  // --- editors ---------------------------------------------------------------------------------

  /** The text editor of the active editor group (hidden editors stay in the DOM). */
  activeEditor(): Locator {
    return this.page
      .locator('.part.editor .editor-group-container.active .editor-instance .monaco-editor:visible')
      .first();
  }

  async activeTab(): Promise<TabInfo> {
    const tab = this.page.locator('.part.editor .editor-group-container.active .tab.active').first();
    return {
      title: (await tab.locator('.label-name').first().innerText()).trim(),
      description: (
        await tab
          .locator('.label-description')
          .first()
          .innerText({ timeout: 1000 })
          .catch(() => '')
      ).trim(),
      label: (await tab.getAttribute('aria-label')) ?? '',
    };
  }

  async activeTabTitle(): Promise<string> {
    // VS Code 1.139 shows a file's extension in a separate suffix element ("settings" + ".json").
    const label = this.page
      .locator('.part.editor .editor-group-container.active .tab.active .monaco-icon-label')
      .first();
    return label.evaluate((e) =>
      ['.label-name', '.label-suffix']
        .map((s) => e.querySelector(s)?.textContent ?? '')
        .join('')
        .trim(),
    );
  }

  /** The whole text of the active editor. Monaco renders only the visible lines, so this pages
   * through the editor and joins the lines by their line numbers. */
  async activeEditorText(): Promise<string> {
    const editor = this.activeEditor();
    await editor.waitFor({ timeout: 10_000 });
    const lines = new Map<number, string>();
    await editor.click({ position: { x: 200, y: 10 } });
    await this.page.keyboard.press('Control+Home');
    for (let page = 0; page < 50; page++) {
      await this.page.waitForTimeout(100);
      // Both the margin rows (with the line numbers) and the text lines are positioned by style.top.
      const visible = await editor.evaluate((root) => {
        const numbers = new Map(
          [...root.querySelectorAll<HTMLElement>('.margin-view-overlays > div')].map((row) => [
            row.style.top,
            row.querySelector('.line-numbers')?.textContent ?? '',
          ]),
        );
        return [...root.querySelectorAll<HTMLElement>('.view-lines > .view-line')].flatMap((line) => {
          const n = Number(numbers.get(line.style.top));
          return n > 0 ? [[n, (line.textContent ?? '').replace(/\u00a0/g, ' ')] as [number, string]] : [];
        });
      });
      const before = lines.size;
      for (const [n, text] of visible) lines.set(n, text);
      if (page > 0 && lines.size === before) break;
      await this.page.keyboard.press('PageDown');
    }
    await this.page.keyboard.press('Control+Home');
    return [...lines.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, text]) => text)
      .join('\n');
  }

  // --- settings --------------------------------------------------------------------------------

  /** Changes a setting the way a user edits settings.json by hand: open the user (or, for
   * machine-scoped settings, the remote) settings.json, find and replace the key's value (regex;
   * a string, a number, a boolean or a flat object), save. The key must already be in the file.
   * (code-server does not notice a settings.json changed on disk, so writing the file would not do.) */
  async editSettingsJson(target: SettingsTarget, key: string, value: unknown): Promise<void> {
    await this.runCommand(
      target === 'remote' ? 'Preferences: Open Remote Settings (JSON)' : 'Preferences: Open User Settings (JSON)',
    );
    await waitFor('the settings.json editor', async () => (await this.activeTabTitle()) === 'settings.json', 15_000);
    await this.activeEditor().click({ position: { x: 200, y: 10 } });
    await this.page.keyboard.press('Control+H');
    const find = this.page.locator('.editor-widget.find-widget.visible');
    await find.waitFor({ timeout: 10_000 });
    const regex = find.locator('.find-part .monaco-custom-toggle.codicon-regex');
    if ((await regex.getAttribute('aria-checked')) !== 'true') await regex.click();
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // The value: a string, a flat object (VS Code writes some settings back in that form, across
    // lines), or anything up to the next comma, brace or line break.
    await find.locator('.find-part .input').fill(`"${escaped}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|\\{[^{}]*\\}|[^,}\\n]+)`);
    // In a regex replacement VS Code reads `$` and `\` specially.
    await find
      .locator('.replace-part .input')
      .fill(`"${key}": ${JSON.stringify(value)}`.replace(/\\/g, '\\\\').replace(/\$/g, '$$$$'));
    await waitFor(
      `exactly one "${key}" in settings.json`,
      async () => /^(1|\?) of 1$/.test((await find.locator('.matchesCount').innerText()).trim()),
      5000,
    );
    await find.locator('.replace-part .codicon-find-replace-all').click();
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+S');
    await waitFor(
      'settings.json to be saved',
      async () => (await this.page.locator('.part.editor .tab.active.dirty').count()) === 0,
      10_000,
    );
    await this.runCommand('View: Close Editor');
  }

  // --- screenshots -----------------------------------------------------------------------------

  async screenshot(path: string, region?: 'statusbar-right' | 'editor'): Promise<void> {
    const size = this.page.viewportSize() ?? { width: 1280, height: 800 };
    let clip: { x: number; y: number; width: number; height: number } | undefined;
    if (region === 'statusbar-right') clip = { x: size.width - 560, y: size.height - 120, width: 560, height: 120 };
    if (region === 'editor') {
      const box = await this.page.locator('.part.editor').boundingBox();
      if (box) clip = box;
    }
    await this.page.screenshot({ path, clip });
  }
}
