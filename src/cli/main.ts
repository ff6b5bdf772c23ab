/**
 * The command line: `latchkey serve | demo | check-config`.
 */
import { parseArgs } from 'node:util';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { LatchkeyError } from '../errors.ts';
import { runDemo } from './demo.ts';
import { rotateMasterKey } from './rotate.ts';
import { runInit } from './init.ts';
import { runDoctor } from './doctor.ts';
import { runBackup, runRestore } from './backup.ts';
import { askPassword } from './password-prompt.ts';
import { exitOnStopSignals, serve } from '../serve.ts';

const USAGE = `Usage: latchkey <command> [options]

Commands:
  init           make a self-signed web certificate (host name and local addresses) and show the DC certificates to pin
  serve          start the portal (configuration: --config FILE or LATCHKEY_CONFIG, and LATCHKEY_* variables)
  check-config   validate the configuration and name every problem
  backup         write an encrypted backup (database, master key, web certificate) to --file; asks a password
  restore        restore --file onto an empty data folder / database; asks the password
  doctor         check the database, master key, DCs, certificates, the service account's rights, mail and SMS
  rotate-master-key  re-encrypt every stored secret under a new master key
  demo           start against the dev domain of scripts/dev-ad, with a captured outbox (development only)

Options:
  --config FILE  the YAML configuration file
  --port N       demo: the port (default 8080)
  --host ADDR    demo: the loopback address (default 127.0.0.1); init: the name for the certificate
  --force        init: replace an existing generated certificate
  --file FILE    backup, restore: the backup file (the password may come from LATCHKEY_BACKUP_PASSWORD)
  -h, --help     this text
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      force: { type: 'boolean' },
      file: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'serve': {
      const config = loadConfig({ file: values.config });
      exitOnStopSignals(await serve(await createApp(config), config));
      return -1; // keep running
    }
    case 'init': {
      const config = loadConfig({ file: values.config });
      await runInit(config, { hosts: values.host ? [values.host] : undefined, force: Boolean(values.force) });
      return 0;
    }
    case 'check-config':
      loadConfig({ file: values.config });
      process.stdout.write('The configuration is valid.\n');
      return 0;
    case 'backup':
    case 'restore': {
      const config = loadConfig({ file: values.config });
      if (!values.file) throw new Error(`${command} needs --file FILE`);
      const password = await askPassword('Backup password', { confirm: command === 'backup', variable: 'LATCHKEY_BACKUP_PASSWORD' });
      if (command === 'backup') {
        const { bytes, tables } = await runBackup(config, { file: values.file, password });
        process.stdout.write(`Backed up ${Object.values(tables).reduce((a, b) => a + b, 0)} rows (${bytes} bytes) to ${values.file}. Keep the password: without it the file cannot be opened.\n`);
      } else {
        const { tables } = await runRestore(config, { file: values.file, password });
        process.stdout.write(`Restored ${Object.values(tables).reduce((a, b) => a + b, 0)} rows into ${config.database.url ? 'PostgreSQL' : config.dataDir}.\n`);
      }
      return 0;
    }
    case 'doctor': {
      const config = loadConfig({ file: values.config });
      return runDoctor(config);
    }
    case 'rotate-master-key': {
      const config = loadConfig({ file: values.config });
      const { rotated, printedKey } = await rotateMasterKey(config);
      process.stdout.write(`${rotated} secrets re-encrypted under the new master key.\n`);
      if (printedKey) {
        process.stdout.write(`The key comes from LATCHKEY_MASTER_KEY: set it to this new value on every instance now:\n${printedKey}\n`);
      }
      return 0;
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
    process.stderr.write(`latchkey: ${error instanceof LatchkeyError ? `${error.message} [${error.code}]` : (error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
