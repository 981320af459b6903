// Turns the command line into a typed request (node:util parseArgs, strict): every mistake becomes a UsageError
// that names the bad part, so main can print it with the command's usage and exit 2.
import { parseArgs } from 'util';
import { FailOnSyntaxError, GrowthLimit, parseFailOn } from './failOn';
import { commandNames, CommandName } from './usage';

export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to print, when known. */
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type SortKey = 'bytes' | 'count' | 'retained';
export type DiffSortKey = 'growth' | SortKey;

interface Common {
  json: boolean;
  verbose: boolean;
  /** `--dac-dir DIR`, repeatable: where to look for a dump's DAC when its runtime is not installed here. */
  dacDirs?: string[];
}

export type CliRequest =
  | { command: 'help'; topic?: CommandName }
  | { command: 'version' }
  | (Common & { command: 'ps' })
  | (Common & { command: 'capture'; pid: number; out?: string; full: boolean; collect: boolean; timeoutMs?: number })
  | (Common & { command: 'stats'; dump: string; top?: number; sort: SortKey; all: boolean })
  | (Common & { command: 'diff'; before: string; after: string; top?: number; sort: DiffSortKey; all: boolean; failOn?: GrowthLimit[]; sarif?: string })
  | (Common & { command: 'inspect'; dump: string; baseline?: string; sarif?: string })
  | (Common & { command: 'heap'; dump: string })
  | (Common & { command: 'instances'; dump: string; type: string; limit?: number; all: boolean })
  | (Common & { command: 'object'; dump: string; address: string })
  | (Common & { command: 'roots'; dump: string; type?: string; address?: string; max?: number; group: boolean })
  | (Common & { command: 'dominators'; dump: string; top?: number; address?: string })
  | (Common & { command: 'monitor'; pid: number; seconds?: number })
  | (Common & { command: 'allocations'; pid: number; seconds?: number; type?: string });

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const common: Record<string, OptionSpec> = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  'dac-dir': { type: 'string', multiple: true },
};

/** Each command's own options and the positionals it takes (names, for messages; `optional` may follow). */
const specs: Record<Exclude<CommandName, 'help'>, { options: Record<string, OptionSpec>; positionals: string[]; optional?: string[] }> = {
  ps: { options: {}, positionals: [] },
  capture: { options: { out: { type: 'string', short: 'o' }, full: { type: 'boolean' }, 'no-gc': { type: 'boolean' }, timeout: { type: 'string' } }, positionals: ['pid'] },
  stats: { options: { top: { type: 'string' }, sort: { type: 'string' }, all: { type: 'boolean' } }, positionals: ['dump'] },
  diff: {
    options: { top: { type: 'string' }, sort: { type: 'string' }, all: { type: 'boolean' }, 'fail-on': { type: 'string', multiple: true }, sarif: { type: 'string' } },
    positionals: ['before', 'after'],
  },
  inspect: { options: { sarif: { type: 'string' } }, positionals: ['dump'], optional: ['baseline'] },
  heap: { options: {}, positionals: ['dump'] },
  instances: { options: { type: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } }, positionals: ['dump'] },
  object: { options: { address: { type: 'string' } }, positionals: ['dump'] },
  roots: { options: { type: { type: 'string' }, address: { type: 'string' }, max: { type: 'string' }, group: { type: 'boolean' } }, positionals: ['dump'] },
  dominators: { options: { top: { type: 'string' }, address: { type: 'string' } }, positionals: ['dump'] },
  monitor: { options: { seconds: { type: 'string' } }, positionals: ['pid'] },
  allocations: { options: { seconds: { type: 'string' }, type: { type: 'string' } }, positionals: ['pid'] },
};

export function parseCommandLine(argv: string[]): CliRequest {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h') return { command: 'help' };
  if (first === '--version') return { command: 'version' };
  if (first === 'help') {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw new UsageError(`unknown command "${rest[0]}"`);
    return { command: 'help', topic: rest[0] as CommandName | undefined };
  }
  if (first.startsWith('-')) throw new UsageError(`expected a command before "${first}"`);
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}"`);
  const command = first as Exclude<CommandName, 'help'>;
  const spec = specs[command];

  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...common, ...spec.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError(cleanParseError((err as Error).message), command);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', topic: command };
  if (positionals.length < spec.positionals.length) {
    throw new UsageError(`missing <${spec.positionals[positionals.length]}>`, command);
  }
  const most = spec.positionals.length + (spec.optional?.length ?? 0);
  if (positionals.length > most) {
    throw new UsageError(`unexpected argument "${positionals[most]}"`, command);
  }
  const dacDirs = (values['dac-dir'] as string[] | undefined) ?? [];
  for (const dir of dacDirs) nonEmpty(dir, '--dac-dir', command);
  const base: Common = { json: values.json === true, verbose: values.verbose === true, ...(dacDirs.length ? { dacDirs } : {}) };
  const str = (name: string) => values[name] as string | undefined;

  switch (command) {
    case 'ps':
      return { ...base, command };
    case 'capture':
      return {
        ...base,
        command,
        pid: parsePid(positionals[0], command),
        out: nonEmpty(str('out'), '--out', command),
        full: values.full === true,
        collect: values['no-gc'] !== true,
        timeoutMs: optionalCount(str('timeout'), '--timeout', command, 'seconds', 1_000),
      };
    case 'stats': {
      const sort = str('sort') ?? 'bytes';
      if (sort !== 'bytes' && sort !== 'count' && sort !== 'retained') throw new UsageError(`--sort must be "bytes", "count" or "retained", not "${sort}"`, command);
      return { ...base, command, dump: positionals[0], top: optionalCount(str('top'), '--top', command), sort, all: values.all === true };
    }
    case 'diff': {
      // The CI options appear in the request only when given.
      const failOn = limits((values['fail-on'] as string[] | undefined) ?? [], command);
      const sarif = nonEmpty(str('sarif'), '--sarif', command);
      const sort = str('sort') ?? 'growth';
      if (sort !== 'growth' && sort !== 'bytes' && sort !== 'count' && sort !== 'retained') {
        throw new UsageError(`--sort must be "growth", "bytes", "count" or "retained", not "${sort}"`, command);
      }
      return {
        ...base,
        command,
        before: positionals[0],
        after: positionals[1],
        top: optionalCount(str('top'), '--top', command),
        sort,
        all: values.all === true,
        ...(failOn.length ? { failOn } : {}),
        ...(sarif !== undefined ? { sarif } : {}),
      };
    }
    case 'inspect': {
      const sarif = nonEmpty(str('sarif'), '--sarif', command);
      return { ...base, command, dump: positionals[0], ...(positionals[1] !== undefined ? { baseline: positionals[1] } : {}), ...(sarif !== undefined ? { sarif } : {}) };
    }
    case 'heap':
      return { ...base, command, dump: positionals[0] };
    case 'instances': {
      const type = nonEmpty(str('type'), '--type', command);
      if (!type) throw new UsageError('missing --type NAME (the full type name, e.g. System.String)', command);
      return { ...base, command, dump: positionals[0], type, limit: optionalCount(str('limit'), '--limit', command), all: values.all === true };
    }
    case 'object': {
      const address = str('address');
      if (address === undefined) throw new UsageError('missing --address 0x…', command);
      return { ...base, command, dump: positionals[0], address: parseAddress(address, command) };
    }
    case 'monitor':
      return { ...base, command, pid: parsePid(positionals[0], command), seconds: optionalCount(str('seconds'), '--seconds', command, 'seconds') };
    case 'allocations':
      return {
        ...base,
        command,
        pid: parsePid(positionals[0], command),
        seconds: optionalCount(str('seconds'), '--seconds', command, 'seconds'),
        type: nonEmpty(str('type'), '--type', command),
      };
    case 'roots': {
      const type = nonEmpty(str('type'), '--type', command);
      const address = str('address');
      if ((type === undefined) === (address === undefined)) throw new UsageError('give exactly one of --type NAME and --address 0x…', command);
      if (values.group === true && type === undefined) throw new UsageError('--group groups the paths of a heap type: give --type NAME', command);
      return {
        ...base,
        command,
        dump: positionals[0],
        type,
        address: address === undefined ? undefined : parseAddress(address, command),
        max: optionalCount(str('max'), '--max', command),
        group: values.group === true,
      };
    }
    case 'dominators': {
      const address = str('address');
      return {
        ...base,
        command,
        dump: positionals[0],
        top: optionalCount(str('top'), '--top', command),
        ...(address !== undefined ? { address: parseAddress(address, command) } : {}),
      };
    }
  }
}

function limits(values: string[], command: CommandName): GrowthLimit[] {
  try {
    return parseFailOn(values);
  } catch (err) {
    if (err instanceof FailOnSyntaxError) throw new UsageError(err.message, command);
    throw err;
  }
}

function isCommand(name: string): boolean {
  return (commandNames as readonly string[]).includes(name);
}

/** parseArgs says e.g. "Unknown option '--foo'. To specify a positional argument starting with a '-', …": keep the first sentence. */
function cleanParseError(message: string): string {
  const first = message.split(/\.\s/)[0].replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function nonEmpty(value: string | undefined, flag: string, command: CommandName): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} needs a value`, command);
  return value;
}

export function parsePid(text: string, command?: CommandName): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`"${text}" is not a process id (a positive whole number; see \`heaplens ps\`)`, command);
  }
  return Number(text);
}

/** A positive whole number option, times `scale` (e.g. seconds → ms). */
function optionalCount(text: string | undefined, flag: string, command: CommandName, unit = 'a number', scale = 1): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`${flag} must be a positive whole number of ${unit === 'a number' ? 'items' : unit}, not "${text}"`, command);
  return Number(text) * scale;
}

/** Addresses stay strings end to end ("0x" + lower-case hex): 64-bit values do not fit a JavaScript number. */
export function parseAddress(text: string, command?: CommandName): string {
  const match = /^(?:0x)?([0-9a-fA-F]{1,16})$/.exec(text.trim());
  if (!match) throw new UsageError(`"${text}" is not an address (hex such as 0x7f3a12c04018)`, command);
  return `0x${match[1].toLowerCase().replace(/^0+(?=.)/, '')}`;
}
