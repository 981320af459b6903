// The command line of `heaplens`: every command's options become a typed request, and every mistake a
// UsageError that names the bad part and the command whose usage to print.
import * as assert from 'assert';
import { parseAddress, parseCommandLine, UsageError } from '../../src/cli/args';
import { commandNames, commandUsage, overview } from '../../src/cli/usage';

function usageError(argv: string[], pattern: RegExp, command?: string): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: Error) => err instanceof UsageError && pattern.test(err.message) && err.command === command,
    `${argv.join(' ')} should be a usage error matching ${pattern}`,
  );
}

describe('command line parsing', () => {
  it('parses ps with and without --json', () => {
    assert.deepStrictEqual(parseCommandLine(['ps']), { command: 'ps', json: false, verbose: false });
    assert.deepStrictEqual(parseCommandLine(['ps', '--json']), { command: 'ps', json: true, verbose: false });
  });

  it('parses --version, and --dac-dir (repeatable) on a command that reads a dump', () => {
    assert.deepStrictEqual(parseCommandLine(['--version']), { command: 'version' });
    assert.deepStrictEqual(parseCommandLine(['stats', 'a.dmp', '--dac-dir', '/d1', '--dac-dir', 'd2']), {
      command: 'stats',
      json: false,
      verbose: false,
      dacDirs: ['/d1', 'd2'],
      dump: 'a.dmp',
      top: undefined,
      sort: 'bytes',
      all: false,
    });
    assert.throws(() => parseCommandLine(['stats', 'a.dmp', '--dac-dir', ' ']), /--dac-dir needs a value/);
  });

  it('parses capture with its options; --timeout is seconds', () => {
    assert.deepStrictEqual(parseCommandLine(['capture', '123']), { command: 'capture', json: false, verbose: false, pid: 123, out: undefined, full: false, collect: true, timeoutMs: undefined });
    assert.deepStrictEqual(parseCommandLine(['capture', '123', '--out', 'x.dmp', '--full', '--timeout', '5', '--json', '-v']), {
      command: 'capture',
      json: true,
      verbose: true,
      pid: 123,
      out: 'x.dmp',
      full: true,
      collect: true,
      timeoutMs: 5000,
    });
    assert.strictEqual((parseCommandLine(['capture', '9', '--no-gc']) as { collect: boolean }).collect, false);
    assert.deepStrictEqual(parseCommandLine(['monitor', '42', '--seconds', '5', '--json']), { command: 'monitor', json: true, verbose: false, pid: 42, seconds: 5 });
    assert.deepStrictEqual(parseCommandLine(['allocations', '42', '--type', 'System.Byte[]']), { command: 'allocations', json: false, verbose: false, pid: 42, seconds: undefined, type: 'System.Byte[]' });
    assert.strictEqual((parseCommandLine(['capture', '9', '-o', 'a.dmp']) as { out: string }).out, 'a.dmp');
  });

  it('parses stats with --top, --sort (bytes by default) and --all', () => {
    assert.deepStrictEqual(parseCommandLine(['stats', 'a.dmp']), { command: 'stats', json: false, verbose: false, dump: 'a.dmp', top: undefined, sort: 'bytes', all: false });
    assert.deepStrictEqual(parseCommandLine(['stats', 'a.dmp', '--top', '10', '--sort', 'count']), {
      command: 'stats',
      json: false,
      verbose: false,
      dump: 'a.dmp',
      top: 10,
      sort: 'count',
      all: false,
    });
    const retained = parseCommandLine(['stats', 'a.dmp', '--sort', 'retained', '--all']) as { sort: string; all: boolean };
    assert.deepStrictEqual([retained.sort, retained.all], ['retained', true]);
  });

  it('parses dominators with --top or --address', () => {
    assert.deepStrictEqual(parseCommandLine(['dominators', 'a.dmp', '--top', '5']), { command: 'dominators', json: false, verbose: false, dump: 'a.dmp', top: 5 });
    assert.strictEqual((parseCommandLine(['dominators', 'a.dmp', '--address', '7F00']) as { address: string }).address, '0x7f00');
  });

  it('parses diff, heap, instances and object', () => {
    assert.deepStrictEqual(parseCommandLine(['diff', 'a', 'b']), {
      command: 'diff',
      json: false,
      verbose: false,
      before: 'a',
      after: 'b',
      top: undefined,
      sort: 'growth',
      all: false,
    });
    assert.deepStrictEqual(parseCommandLine(['heap', '123']), { command: 'heap', json: false, verbose: false, dump: '123' });
    assert.deepStrictEqual(parseCommandLine(['instances', 'a', '--type', 'System.Byte[]', '--limit', '3']), {
      command: 'instances',
      json: false,
      verbose: false,
      dump: 'a',
      type: 'System.Byte[]',
      limit: 3,
      all: false,
    });
    assert.deepStrictEqual(parseCommandLine(['object', 'a', '--address', '0x7F3A0001']), { command: 'object', json: false, verbose: false, dump: 'a', address: '0x7f3a0001' });
  });

  it('parses roots with either --type or --address', () => {
    assert.deepStrictEqual(parseCommandLine(['roots', 'a', '--type', 'Chain.Leak', '--max', '2']), {
      command: 'roots',
      json: false,
      verbose: false,
      dump: 'a',
      type: 'Chain.Leak',
      address: undefined,
      max: 2,
      group: false,
    });
    assert.strictEqual((parseCommandLine(['roots', 'a', '--type', 'Chain.Leak', '--group']) as { group: boolean }).group, true);
    assert.strictEqual((parseCommandLine(['roots', 'a', '--address', '7f00']) as { address: string }).address, '0x7f00');
  });

  it('accepts options before positionals and --opt=value', () => {
    assert.strictEqual((parseCommandLine(['stats', '--top=3', 'a.dmp']) as { top: number }).top, 3);
  });

  it('turns --help anywhere into help for that command', () => {
    assert.deepStrictEqual(parseCommandLine(['--help']), { command: 'help' });
    assert.deepStrictEqual(parseCommandLine(['roots', '--help']), { command: 'help', topic: 'roots' });
    assert.deepStrictEqual(parseCommandLine(['capture', '-h', 'not-a-pid']), { command: 'help', topic: 'capture' });
    assert.deepStrictEqual(parseCommandLine(['help', 'diff']), { command: 'help', topic: 'diff' });
  });

  it('reports usage errors with the command they belong to', () => {
    usageError([], /no command given/);
    usageError(['frobnicate'], /unknown command "frobnicate"/);
    usageError(['--json'], /expected a command before "--json"/);
    usageError(['help', 'nope'], /unknown command "nope"/);
    usageError(['stats'], /missing <dump>/, 'stats');
    usageError(['diff', 'a'], /missing <after>/, 'diff');
    usageError(['heap', 'a', 'b'], /unexpected argument "b"/, 'heap');
    usageError(['roots', 'a', '--address', '0x10', '--group'], /--group groups the paths of a heap type: give --type NAME/, 'roots');
    usageError(['diff', 'a', 'b', '--sort', 'size'], /--sort must be "growth", "bytes", "count" or "retained", not "size"/, 'diff');
    usageError(['dominators', 'a', '--address', 'xyz'], /"xyz" is not an address/, 'dominators');
    usageError(['stats', 'a', '--bogus'], /unknown option '--bogus'/, 'stats');
    usageError(['stats', 'a', '--sort', 'name'], /--sort must be "bytes", "count" or "retained", not "name"/, 'stats');
    usageError(['stats', 'a', '--top', '0'], /--top must be a positive whole number of items, not "0"/, 'stats');
    usageError(['stats', 'a', '--top'], /argument missing/, 'stats');
    usageError(['capture', 'abc'], /"abc" is not a process id/, 'capture');
    usageError(['capture', '-5'], /unknown option '-5'/, 'capture');
    usageError(['capture', '12', '--timeout', '1.5'], /--timeout must be a positive whole number of seconds/, 'capture');
    usageError(['capture', '12', '--out', ''], /--out needs a value/, 'capture');
    usageError(['instances', 'a'], /missing --type NAME/, 'instances');
    usageError(['object', 'a'], /missing --address/, 'object');
    usageError(['object', 'a', '--address', 'zz'], /"zz" is not an address/, 'object');
    usageError(['roots', 'a'], /exactly one of --type NAME and --address/, 'roots');
    usageError(['roots', 'a', '--type', 'T', '--address', '0x1'], /exactly one of --type NAME and --address/, 'roots');
  });

  it('normalises addresses to lower-case 0x hex without leading zeros', () => {
    assert.strictEqual(parseAddress('0x00007F3A12C04018'), '0x7f3a12c04018');
    assert.strictEqual(parseAddress('0x0'), '0x0');
    assert.throws(() => parseAddress('0x12345678901234567'), UsageError);
  });
});

describe('usage texts', () => {
  it('the overview names every command, and each command has its own usage with its options', () => {
    const text = overview();
    for (const name of commandNames.filter((n) => n !== 'help')) {
      assert.match(text, new RegExp(`^  ${name}\\s`, 'm'));
      assert.match(commandUsage(name), new RegExp(`^Usage: heaplens ${name}`));
    }
    assert.match(commandUsage('capture'), /--out FILE/);
    assert.match(commandUsage('roots'), /--address 0x…/);
    assert.match(text, /Exit codes: 0 success, 1 failure \(one line on stderr\), 2 usage error/);
  });
});
