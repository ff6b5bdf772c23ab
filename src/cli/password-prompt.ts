/**
 * Asks for a password on the terminal without showing it (or takes it from an environment
 * variable, for scripts). For a new password it asks twice.
 */
import { createInterface } from 'node:readline';
import { PasswordsDiffer, PasswordUnavailable } from './errors.ts';

/** Reads one line from the terminal with the typed characters hidden. */
function hiddenQuestion(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const terminal = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const output = terminal as unknown as { _writeToOutput(text: string): void };
    let asked = false;
    output._writeToOutput = (text: string) => {
      // The prompt is shown once; what the user types is not echoed.
      if (!asked) process.stdout.write(text);
      asked = true;
    };
    terminal.question(prompt, (answer) => {
      terminal.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

export async function askPassword(what: string, options: { confirm?: boolean; env?: NodeJS.ProcessEnv; variable: string }): Promise<string> {
  const fromEnv = (options.env ?? process.env)[options.variable];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw PasswordUnavailable({ what: what.toLowerCase(), variable: options.variable });
  const first = await hiddenQuestion(`${what}: `);
  if (options.confirm && (await hiddenQuestion(`${what} again: `)) !== first) throw PasswordsDiffer({ what: what.toLowerCase() });
  return first;
}
