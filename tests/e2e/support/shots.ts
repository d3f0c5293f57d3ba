/**
 * Screenshots the browser tests take for a person to look at: into $E2E_SHOTS_DIR, else
 * tests/.artifacts/screenshots (ignored by git), named `<file>-<name>-<width>.png`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

export const SHOTS_DIR =
  process.env.E2E_SHOTS_DIR ?? path.resolve(import.meta.dirname, '../../.artifacts/screenshots');

/** A `shot(page, name)` for one test file; the page's width ends the name (1440, 375 …). */
export function shooter(file: string) {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  return async (page: Page, name: string): Promise<void> => {
    // Transitions and lazily loaded fonts settle first: the picture is what a person would see.
    await page.waitForTimeout(300);
    const width = page.viewportSize()?.width ?? 0;
    await page.screenshot({ path: path.join(SHOTS_DIR, `${file}-${name}-${width}.png`), fullPage: true });
  };
}
