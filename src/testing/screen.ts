/**
 * A password screen for tests: reports the passwords it is given with the verdicts chosen, and
 * every other password as clear; it remembers what it was asked, to show a refused password
 * was refused before screening, or screened before the DC was asked.
 */
import type { PasswordScreen, ScreenVerdict } from '../passwords/screen.ts';

export interface TestScreen extends PasswordScreen {
  /** Every password checked, oldest first. */
  readonly checked: string[];
}

/** A screen that gives `verdicts[password]` for the passwords named, and `otherwise` (clear) for the rest. */
export function testScreen(verdicts: Record<string, ScreenVerdict>, otherwise: ScreenVerdict = { outcome: 'clear' }): TestScreen {
  const checked: string[] = [];
  return {
    checked,
    async check(password) {
      checked.push(password);
      return verdicts[password] ?? otherwise;
    },
    range: async () => [],
  };
}
