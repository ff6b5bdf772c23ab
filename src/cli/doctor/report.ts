/**
 * The doctor's report: one line per check (status, name, summary), the facts and the fix
 * indented under it, and the helpers every check builds its result with.
 */
import { LatchkeyError } from '../../errors.ts';

/** Width of the check-name column, so the summaries line up. */
const NAME_WIDTH = 10;

/**
 * A check's outcome. SKIP: it could not run because an earlier check failed. INFO: something
 * the doctor cannot check, and where to look instead.
 */
export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'SKIP' | 'INFO';

/** One line of the report and the indented lines under it (facts, then the fix). */
export interface CheckResult {
  status: CheckStatus;
  name: string;
  summary: string;
  details: string[];
}

/** Where a check's results go: printed at once, and counted for the exit code. */
export type Report = (check: CheckResult) => void;

/** The report lines of one result: `STATUS  name  summary`, then the details indented under the name. */
export function formatResult(check: CheckResult): string[] {
  return [`${check.status}  ${check.name.padEnd(NAME_WIDTH)}  ${check.summary}`, ...check.details.map((line) => `      ${line}`)];
}

/** A result of `status` for the check `name`. */
export function result(status: CheckStatus, name: string, summary: string, details: string[] = []): CheckResult {
  return { status, name, summary, details };
}

/** SKIP lines for checks an earlier failure made impossible, so the report still lists them. */
export function skip(report: Report, names: string[], reason: string): void {
  for (const name of names) report(result('SKIP', name, `not checked: ${reason}`));
}

/** A FAIL line for an error: a coded error's message and code, or the error's own words. */
export function failure(name: string, error: unknown, details: string[] = []): CheckResult {
  return result('FAIL', name, describeError(error), details);
}

/** An error in words: a coded error's message and code, or the error's own message. */
export function describeError(error: unknown): string {
  if (error instanceof LatchkeyError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}
