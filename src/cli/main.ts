/** `satchel <command>` — serve | migrate | validate | bench (SPEC: Command line). */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { parseCommand } from './args.js';

const USAGE = `Usage: satchel <command>
  serve                                 start the server (PORT, HOST, DATA_DIR, DATABASE_URL, REDIS_URL, …)
  migrate                               apply database migrations and exit
  validate --type T [--network N]       validate one value per stdin line; JSON lines out
  import-notes FILE --user NAME [--format csv|bip329|electrum] [--mode partial|atomic]
                                        import a notes file; progress on stderr, report JSON on stdout
  bench [--only NAME] [--quick]         run the benchmark suite (bench/results/)`;

function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`satchel: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function serve(): Promise<void> {
  const config = configOrExit();
  const { createLogger } = await import('./logger.js');
  const { startSatchel } = await import('../main.js');
  const logger = createLogger(config);
  let satchel;
  try {
    satchel = await startSatchel(config, { listen: true, logger });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE' ? `port ${config.port} is already in use (set PORT)` : (error as Error).message;
    process.stderr.write(`satchel: could not start: ${reason}\n`);
    process.exit(1);
  }
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => process.exit(1), 30_000).unref();
    await satchel.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function migrate(): Promise<void> {
  const config = configOrExit();
  const { createDatabase } = await import('../adapters/db/database.js');
  const { migrateToLatest } = await import('../adapters/db/migrator.js');
  const database = await createDatabase(config.storage);
  try {
    const { applied } = await migrateToLatest(database);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const { command, flags, positionals } = parseCommand(process.argv.slice(2));
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrate();
    case 'validate': {
      const { validateCommand } = await import('./validate-command.js');
      process.exitCode = await validateCommand(flags);
      return;
    }
    case 'import-notes': {
      const { importNotesCommand } = await import('./import-notes-command.js');
      process.exitCode = await importNotesCommand(flags, positionals, { config: configOrExit() });
      return;
    }
    case 'bench': {
      const { runBenchCommand } = await import('./bench-command.js');
      process.exitCode = await runBenchCommand(flags, positionals);
      return;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`satchel: unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

await main();
