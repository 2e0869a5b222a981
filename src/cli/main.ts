/** `satchel <command>` — serve | migrate | validate | import-notes | backup | restore | bench (SPEC: Command line). */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { parseCommand } from './args.js';

const USAGE = `Usage: satchel <command>
  serve                                 start the server (PORT, HOST, DATA_DIR, DATABASE_URL, REDIS_URL, …)
  migrate                               apply database migrations and exit
  validate --type T [--network N]       validate one value per stdin line; JSON lines out
  import-notes FILE --user NAME [--format csv|bip329|electrum] [--mode partial|atomic]
                                        import a notes file; progress on stderr, report JSON on stdout
  backup FILE [--force]                 back up the database: SQLite online copy, PostgreSQL pg_dump
  restore FILE [--force]                restore a backup into DATA_DIR / DATABASE_URL (Satchel stopped)
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
  // Graceful stop (docs/deploy.md, rolling restart): stop accepting, serve what arrives on open
  // connections with `Connection: close`, let a trusted proxy close its pooled idle connections (no
  // request lost to a close race; src/http/drain.ts), then in-flight requests, then jobs' current
  // batch, database and Redis (satchel.close). Exit 0, or 1 if it takes over 30 s.
  const { httpDrainer, peerMatcher } = await import('../http/drain.js');
  const drainer = httpDrainer(satchel.app.server);
  const stop = async (signal: string) => {
    if (drainer.draining) return;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error('shutdown took over 30 s: exiting');
      process.exit(1);
    }, 30_000).unref();
    try {
      // Idle connections from the proxy (TRUST_PROXY) are its to close: it pools them and may be
      // writing a request onto one right now. Others are closed at once (clients retry on them).
      const drained = await drainer.drain({
        idleWaitMs: config.trustProxy ? 10_000 : 0,
        isProxy: peerMatcher(config.trustProxy ?? []),
        inFlightWaitMs: 15_000,
      });
      logger.info(drained, 'connections drained; closing jobs, database and Redis');
      await satchel.close();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function migrate(): Promise<void> {
  const config = configOrExit();
  const { createDatabase } = await import('../adapters/db/database.js');
  const { migrateToLatest } = await import('../adapters/db/migrator.js');
  // No statement timeout: an index built over a large table may take minutes (docs/deploy.md, section 3).
  const database = await createDatabase(config.storage, { statementTimeoutMs: 0 });
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
    case 'backup':
    case 'restore': {
      const { backupCommand, restoreCommand } = await import('./backup-command.js');
      const run = command === 'backup' ? backupCommand : restoreCommand;
      process.exitCode = await run(flags, positionals, { config: configOrExit() });
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
