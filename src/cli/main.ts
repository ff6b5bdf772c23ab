/**
 * The command line: `latchkey serve | init | check-config | doctor | backup | restore |
 * rotate-master-key | certificate export|import | breached import FILE | breached status |
 * campaign --dry-run | reminders [--dry-run] | demo`. Exit codes: 0 done, 1 failed (a coded error says why), 2 bad usage;
 * 141 when the reader of the output went away (`latchkey doctor | head`), as for a Unix tool
 * stopped by SIGPIPE.
 */

import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createApp } from '../app.ts';
import { exportCertificate, importCertificate } from '../certificates/pfx.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { LatchkeyError } from '../errors.ts';
import { runBackup, runRestore } from './backup.ts';
import { breachedStatus, runBreachedImport } from './breached.ts';
import { runCampaignDryRun } from './campaign.ts';
import { runDemo } from './demo.ts';
import { runDoctor } from './doctor.ts';
import { UsageInvalid } from './errors.ts';
import { settingsImported } from './existing-database.ts';
import { runInit } from './init.ts';
import { askPassword } from './password-prompt.ts';
import { runRemindersCommand } from './reminders.ts';
import { retiredMessage, retireMasterKey, rotatedMessage, rotateMasterKey } from './rotate.ts';
import { exitOnStopSignals, serve } from './serve.ts';
import { superviseWorkers, workerCount } from './workers.ts';

const USAGE = `Usage: latchkey <command> [options]

Commands:
  init           make a self-signed web certificate (public URL's host, host name, local addresses) and show the DC certificates to pin
  serve          start the portal (configuration: --config FILE or LATCHKEY_CONFIG, and LATCHKEY_* variables)
  check-config   validate the configuration and name every problem
  backup         write an encrypted backup (database, master key, web certificate) to --file; asks a password
  restore        restore --file onto an empty data folder / database; asks the password
  certificate export --file F  write the web certificate Latchkey serves, with its key and chain, as a
                 password-protected PFX (PKCS#12); asks a password (or LATCHKEY_PFX_PASSWORD)
  certificate import --file F  check a PFX (password, key, expiry) and install it as the web certificate;
                 a running portal swaps it in
  doctor         check the database, master key, certificates, DCs, the service account's rights, mail and SMS
  rotate-master-key  add a new master key beside the old one (instances keep running); --retire, once every
                 instance has the new key file, re-encrypts every secret under it and drops the old key
  breached import FILE  import the Pwned Passwords list (the downloader's HASH:count text, SHA-1 or NTLM, may be
                 gzipped) into the breached-password index; running portals switch to it within seconds
  breached status  what the breached-password index holds: kind, hashes, size, when it was built
  campaign --dry-run  who the enrollment campaign would invite now (and why not the others); sends nothing
  reminders      send today's password-expiry reminders now (each goes once per password, as the daily job's);
                 --dry-run lists who would get which reminder, and whose password has expired, sending nothing
  demo           start against the dev domain of scripts/dev-ad, with a captured outbox (development only)

Options:
  --config FILE  the YAML configuration file; relative paths in it are taken from its folder
  --port N       demo: the port (default 8080)
  --host ADDR    demo: the loopback address (default 127.0.0.1); init: the name for the certificate
  --force        init: replace an existing generated certificate
  --file FILE    backup, restore: the backup file (the password may come from LATCHKEY_BACKUP_PASSWORD);
                 certificate export, import: the PFX file (the password may come from LATCHKEY_PFX_PASSWORD)
  --retire       rotate-master-key: finish the rotation under way
  --dry-run      campaign: only say who would be invited (the campaign itself runs inside serve);
                 reminders: list, do not send
  -h, --help     this text
`;

/** The exit code of a process whose output pipe was closed (128 + SIGPIPE). */
const EXIT_BROKEN_PIPE = 141;

// A reader that stops early closes the pipe: stop quietly instead of dying with an EPIPE trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(EXIT_BROKEN_PIPE);
});

/**
 * The configuration for a start: the file's directory section must be complete only while the
 * database holds no settings yet, because only the first start imports it.
 */
async function startConfig(file: string | undefined): Promise<{ config: Config; imported: boolean }> {
  let lenient: Config;
  try {
    lenient = loadConfig({ file, importsSettings: false });
  } catch {
    // Without a usable file the database cannot be found: name every problem, a first start's included.
    return { config: loadConfig({ file }), imported: false };
  }
  const imported = await settingsImported(lenient);
  return { config: imported ? lenient : loadConfig({ file }), imported };
}

/** The configuration for a command that never imports the file's settings. */
function commandConfig(file: string | undefined): Config {
  return loadConfig({ file, importsSettings: false });
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        force: { type: 'boolean' },
        file: { type: 'string' },
        retire: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw UsageInvalid({ problem: (error as Error).message.split('\n')[0]!.replace(/\.$/, '') });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'serve': {
      const { config } = await startConfig(values.config);
      const workers = workerCount(config.server.workers);
      // The primary of several workers serves nothing: each worker runs this command again.
      if (workers > 1 && cluster.isPrimary) return superviseWorkers(workers);
      exitOnStopSignals(await serve(await createApp(config), config));
      return -1; // keep running
    }
    case 'init': {
      const config = commandConfig(values.config);
      await runInit(config, { hosts: values.host ? [values.host] : undefined, force: Boolean(values.force) });
      return 0;
    }
    case 'check-config': {
      const { config, imported } = await startConfig(values.config);
      process.stdout.write(
        `The configuration is valid. Data folder: ${config.dataDir}.\n` +
          (imported
            ? "The database holds the settings (the admin console edits them); the file's values of them are not used.\n"
            : "The database holds no settings yet: the first start imports the file's.\n"),
      );
      return 0;
    }
    case 'backup':
    case 'restore': {
      const config = commandConfig(values.config);
      if (!values.file) throw UsageInvalid({ problem: `${command} needs --file FILE` });
      const password = await askPassword('Backup password', { confirm: command === 'backup', variable: 'LATCHKEY_BACKUP_PASSWORD' });
      if (command === 'backup') {
        const { bytes, tables } = await runBackup(config, { file: values.file, password });
        process.stdout.write(
          `Backed up ${Object.values(tables).reduce((a, b) => a + b, 0)} rows (${bytes} bytes) to ${values.file}. Keep the password: without it the file cannot be opened.\n`,
        );
      } else {
        const { tables } = await runRestore(config, { file: values.file, password });
        process.stdout.write(
          `Restored ${Object.values(tables).reduce((a, b) => a + b, 0)} rows into ${config.database.url ? 'PostgreSQL' : config.dataDir}.\n`,
        );
      }
      return 0;
    }
    case 'certificate': {
      const [, action, ...extra] = positionals;
      if ((action !== 'export' && action !== 'import') || extra.length)
        throw UsageInvalid({ problem: 'use latchkey certificate export --file F, or latchkey certificate import --file F' });
      if (!values.file) throw UsageInvalid({ problem: `certificate ${action} needs --file FILE` });
      const config = commandConfig(values.config);
      const password = await askPassword('PFX password', { confirm: action === 'export', variable: 'LATCHKEY_PFX_PASSWORD' });
      if (action === 'export') {
        const fingerprint = await exportCertificate(config, values.file, password);
        process.stdout.write(`Exported the web certificate (SHA-256 ${fingerprint}) with its key to ${values.file}. Keep the password apart from the file.\n`);
      } else {
        const certificate = await importCertificate(config, values.file, password);
        process.stdout.write(
          `Installed the web certificate ${certificate.subject.replace(/\n/g, ', ')} (SHA-256 ${certificate.fingerprint256}, valid to ${certificate.validTo}); a running portal serves it within seconds.\n`,
        );
      }
      return 0;
    }
    case 'doctor':
      return runDoctor(commandConfig(values.config));
    case 'rotate-master-key': {
      const config = commandConfig(values.config);
      process.stdout.write(values.retire ? retiredMessage(await retireMasterKey(config)) : rotatedMessage(await rotateMasterKey(config)));
      return 0;
    }
    case 'breached': {
      const [, action, file, ...extra] = positionals;
      if (action === 'status' && !file) {
        process.stdout.write(breachedStatus(commandConfig(values.config)));
        return 0;
      }
      if (action !== 'import' || !file || extra.length) throw UsageInvalid({ problem: 'use latchkey breached import FILE, or latchkey breached status' });
      process.stdout.write(await runBreachedImport(commandConfig(values.config), file, process.stderr));
      return 0;
    }
    case 'campaign':
      if (!values['dry-run']) throw UsageInvalid({ problem: 'use latchkey campaign --dry-run (the campaign itself runs inside latchkey serve)' });
      process.stdout.write(await runCampaignDryRun(commandConfig(values.config)));
      return 0;
    case 'reminders': {
      const { config } = await startConfig(values.config);
      return runRemindersCommand(config, { dryRun: Boolean(values['dry-run']), out: process.stdout, log: process.stderr });
    }
    case 'demo':
      await runDemo({ port: Number(values.port ?? 8080), host: values.host ?? '127.0.0.1' });
      return -1;
    default:
      process.stderr.write(`latchkey: unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    // A coded error says what to do; anything else is a bug, reported with its stack.
    process.stderr.write(`latchkey: ${error instanceof LatchkeyError ? `${error.message} [${error.code}]` : ((error as Error).stack ?? String(error))}\n`);
    process.exit(UsageInvalid.is(error) ? 2 : 1);
  },
);
