/** The breached-password index: what screening has beyond the bundled list of common passwords. */
import { existsSync } from 'node:fs';
import { breachedIndexFile } from '../../config/paths.ts';
import type { Config } from '../../config/schema.ts';
import { IndexFile } from '../../passwords/breached-index.ts';
import { type CheckResult, failure, result } from './report.ts';

const IMPORT = 'latchkey breached import FILE (the Pwned Passwords list; see the README)';

/** PASS with the index's facts, WARN without one, FAIL for a file that is no usable index. */
export function breachedCheck(config: Config): CheckResult {
  const file = breachedIndexFile(config);
  if (!existsSync(file)) {
    return result('WARN', 'breached', 'no breached-password index: only the bundled common list', [file, `fix: ${IMPORT}`]);
  }
  try {
    const index = IndexFile.open(file);
    index.close();
    const { kind, hashes, builtAt } = index.header;
    const built = new Date(builtAt).toISOString().slice(0, 10);
    return result('PASS', 'breached', `${kind === 'sha1' ? 'SHA-1' : 'NTLM'} index of ${hashes.toLocaleString('en-US')} hashes, built ${built}`, [file]);
  } catch (error) {
    return failure('breached', error, [`fix: ${IMPORT}`]);
  }
}
