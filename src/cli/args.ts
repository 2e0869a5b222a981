/** A tiny argv parser: `cmd positional --flag value --bool`. node:util parseArgs with our flags. */
import { parseArgs } from 'node:util';

export function parseCommand(argv: string[]) {
  const [command = 'help', ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: false,
    options: {
      type: { type: 'string' },
      network: { type: 'string' },
      user: { type: 'string' },
      format: { type: 'string' },
      mode: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { command, flags: values as Record<string, string | boolean | undefined>, positionals };
}
