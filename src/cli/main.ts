/**
 * The command line: `latchkey serve | demo | check-config`.
 */
import { parseArgs } from 'node:util';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { LatchkeyError } from '../errors.ts';
import { runDemo } from './demo.ts';
import { rotateMasterKey } from './rotate.ts';

const USAGE = `Usage: latchkey <command> [options]

Commands:
  serve          start the portal (configuration: --config FILE or LATCHKEY_CONFIG, and LATCHKEY_* variables)
  check-config   validate the configuration and name every problem
  rotate-master-key  re-encrypt every stored secret under a new master key
  demo           start against the dev domain of scripts/dev-ad, with a captured outbox (development only)

Options:
  --config FILE  the YAML configuration file
  --port N       demo: the port (default 8080)
  --host ADDR    demo: the loopback address (default 127.0.0.1)
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
      const app = await createApp(config);
      await app.server.listen({ host: config.server.host, port: config.server.port });
      const stop = () => void app.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return -1; // keep running
    }
    case 'check-config':
      loadConfig({ file: values.config });
      process.stdout.write('The configuration is valid.\n');
      return 0;
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
