// The help texts of `heaplens`: one overview and one block per command. `--help` prints them on stdout (exit 0);
// a usage error prints the command's block on stderr (exit 2).

export const commandNames = ['help', 'ps', 'capture', 'stats', 'diff', 'inspect', 'heap', 'instances', 'object', 'roots', 'dominators', 'monitor', 'allocations'] as const;
export type CommandName = (typeof commandNames)[number];

const DUMP = '<dump> is a dump file, or the pid of a running .NET process to capture now (the temporary dump is deleted afterwards).';
const ALL = '--all           count unreachable objects too (dead, waiting for the next GC), like SOS dumpheap -stat';

const commands: Record<Exclude<CommandName, 'help'>, { synopsis: string; summary: string; details?: string[] }> = {
  ps: { synopsis: 'heaplens ps [--json]', summary: 'List running .NET processes that can be captured.' },
  capture: {
    synopsis: 'heaplens capture <pid> [--out FILE] [--full] [--no-gc] [--timeout SECONDS] [--json]',
    summary: 'Write a heap snapshot (core dump) of a running .NET process.',
    details: [
      '--out FILE      where to write it (default ./heaplens-dumps/dump-<pid>-<time>.dmp); the file is private (0600)',
      '--full          a full dump (all memory) instead of the default dump with the managed heap',
      '--no-gc         write it as it is, without a full garbage collection first (then it also holds garbage)',
      '--timeout SEC   how long the process may take for the collection and for the dump, each (default 120)',
    ],
  },
  stats: {
    synopsis: 'heaplens stats <dump> [--top N] [--sort bytes|count|retained] [--all] [--json]',
    summary: 'Live objects per heap type with the bytes each type retains, like SOS dumpheap -stat -live.',
    details: [
      '--top N         only the first N types',
      '--sort KEY      bytes (default), count or retained (the bytes freed if every instance went)',
      ALL,
      DUMP,
    ],
  },
  diff: {
    synopsis: 'heaplens diff <before> <after> [--top N] [--sort growth|bytes|count|retained] [--all] [--fail-on LIMIT]... [--sarif FILE] [--json]',
    summary: 'Growth of live objects per heap type between two snapshots, largest growth in bytes first; a leak gate for CI.',
    details: [
      '--top N         only the first N types',
      '--sort KEY      growth (default), or the later snapshot\'s bytes, count or retained bytes',
      ALL,
      '--fail-on LIMIT exit 3 when a heap type grew past LIMIT: "TYPE>+N" (more than N more objects) or',
      '                "TYPE>+N KB" (more bytes; B, KB, MB, GB); * in TYPE matches any text, each matching type',
      '                is checked on its own; repeat the flag or separate limits with commas',
      '--sarif FILE    also write the insights of <after> (against <before>) and broken limits as SARIF 2.1.0',
      DUMP.replace('<dump> is', '<before> and <after> are each'),
      'Example: heaplens diff before.dmp after.dmp --fail-on "MyApp.Order>+100,System.Byte[]>+10MB"',
    ],
  },
  inspect: {
    synopsis: 'heaplens inspect <dump> [<baseline>] [--sarif FILE] [--json]',
    summary: 'Leak insights: event handlers, growing collections, duplicate strings, LOH, finalizers, threads, …',
    details: [
      '<baseline>      an earlier snapshot of the same program: growth is measured against it',
      '--sarif FILE    also write the insights as SARIF 2.1.0 (with source locations) to FILE',
      DUMP.replace('<dump> is', '<dump> and <baseline> are each'),
    ],
  },
  heap: { synopsis: 'heaplens heap <dump> [--json]', summary: 'GC heaps and their generations in bytes, like SOS eeheap -gc.', details: [DUMP] },
  instances: {
    synopsis: 'heaplens instances <dump> --type NAME [--limit N] [--all] [--json]',
    summary: 'Addresses, sizes and retained sizes of the live objects of one heap type.',
    details: ['--type NAME     full type name, e.g. Chain.Leak or System.Byte[]', '--limit N       at most N instances', ALL, DUMP],
  },
  object: {
    synopsis: 'heaplens object <dump> --address 0x… [--json]',
    summary: 'One object: its type, size and fields, like SOS dumpobj.',
    details: [DUMP],
  },
  roots: {
    synopsis: 'heaplens roots <dump> (--type NAME [--group] | --address 0x…) [--max N] [--json]',
    summary: 'Retention paths: what keeps objects alive, from a root (stack frame, static field, handle) to the object.',
    details: [
      '--type NAME     one example path per group of instances held the same way, largest retained first',
      '--group         with --type: the groups themselves (how many instances, their bytes and retained bytes, the',
      '                shape of the path they share), over every live instance',
      '--address 0x…   the path to this object from each kind of root',
      '--max N         with --type: at most N groups (default 10; 50 with --group)',
      DUMP,
    ],
  },
  dominators: {
    synopsis: 'heaplens dominators <dump> [--top N] [--address 0x…] [--json]',
    summary: 'The objects that keep the most memory alive on their own (the top of the dominator tree), largest first.',
    details: [
      '--top N         at most N objects (default 50)',
      '--address 0x…   instead: the objects this one alone keeps alive directly (its children in the dominator tree)',
      DUMP,
    ],
  },
  monitor: {
    synopsis: 'heaplens monitor <pid> [--seconds N] [--json]',
    summary: 'The runtime\'s memory counters once a second (GC heap and generations, allocation rate, GCs, working set).',
    details: [
      '--seconds N     stop after N seconds (default: until the process exits or Ctrl-C)',
      '--json          one JSON object a line: { time, gcHeapBytes, gen0Bytes, gen1Bytes, gen2Bytes, lohBytes, pohBytes,',
      '                allocatedBytesPerSecond, gcCounts: { gen0, gen1, gen2 }, workingSetBytes }; null = not given',
    ],
  },
  allocations: {
    synopsis: 'heaplens allocations <pid> [--seconds N] [--type NAME] [--json]',
    summary: 'Sample allocations with their stacks: the types allocated most and the source lines that allocate them.',
    details: [
      '--seconds N     how long to sample (default 10)',
      '--type NAME     only this type, e.g. System.Byte[]',
      'Estimates: .NET 10 samples about one allocation per 100 KB at random (AllocationSampled); older runtimes',
      'report one per about 100 KB allocated (GCAllocationTick), which favours large objects.',
    ],
  },
};

const footer = [
  'Options for every command: --json (machine-readable output on stdout), --verbose (agent log on stderr), --help.',
  'Reading a dump whose .NET runtime is not installed here: --dac-dir DIR (repeatable), a folder holding that',
  "runtime's libmscordaccore.so, or a symbol store (libmscordaccore.so/elf-buildid-coreclr-<build id>/…).",
  'Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error, 3 leak gate failed (diff --fail-on),',
  '130 interrupted (Ctrl-C).',
];

export function overview(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'HeapLens: find memory leaks in .NET processes from heap snapshots.',
    '',
    'Usage: heaplens <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `heaplens <command> --help` for its options; `heaplens --version` prints the version.',
    ...footer,
    '',
  ].join('\n');
}

export function commandUsage(name: CommandName): string {
  if (name === 'help') return overview();
  const c = commands[name];
  return [`Usage: ${c.synopsis}`, '', c.summary, ...(c.details?.length ? ['', ...c.details.map((d) => `  ${d}`)] : []), '', ...footer, ''].join('\n');
}

/** The short form printed after a usage error. */
export function synopsis(name?: CommandName): string {
  if (!name || name === 'help') return 'Usage: heaplens <command> [options]   (heaplens --help lists the commands)';
  return `Usage: ${commands[name].synopsis}   (heaplens ${name} --help for details)`;
}
