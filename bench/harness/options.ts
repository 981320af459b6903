// The benchmark's command line: `npm run bench -- [--quick] [--runs K] [--sizes N,N] [--note TEXT] [--no-markdown]`.

export interface BenchOptions {
  mode: 'quick' | 'full' | 'custom';
  /** Objects to build, smallest first. */
  sizes: number[];
  /** Runs per size; the default depends on the size (see runsFor). */
  runs?: number;
  note?: string;
  writeMarkdown: boolean;
  /** Limit of one dotnet-dump command, in ms. */
  toolTimeoutMs: number;
  verbose: boolean;
  /** The views at scale (bench/ManyTypes): heap types, and instances of its big type; 0 types = skip them. */
  viewsTypes: number;
  viewsItems: number;
  /** The target's slowdown while its allocations are sampled (bench/AllocationLoad). */
  sampling: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Builds a heap of N objects (bench/HeapShapes), snapshots it, and times the agent on it: open, statistics, heap
layout, instances, retention paths, diff and peak memory, beside dotnet-dump when it exists and the time to read
the dump once. Then the views at scale (bench/ManyTypes): 50,000 heap types and one type with millions of
instances, pages of it, and cancelling long requests. Prints a table and writes bench/results.json and BENCHMARKS.md.

  --quick          N = 1,000,000 only, and 3,000,000 instances in the views heap
  --sizes N,N      other sizes (objects), e.g. --sizes 200000
  --runs K         runs per size (default: 5 up to 2M objects, 3 above)
  --note TEXT      a remark printed with the results, e.g. "measured on a loaded machine"
  --no-markdown    leave BENCHMARKS.md as it is
  --no-views       skip the views at scale
  --no-sampling    skip the cost of allocation sampling (bench/AllocationLoad with and without a session)
  --sampling-only  measure only that cost
  --views T,M      T heap types and M instances of the big type (default 50000,3000000 with --quick, else 50000,10000000)
  --tool-timeout S limit of one dotnet-dump command in seconds (default 900)
  --verbose        the agent's log on stderr`;

export class UsageError extends Error {}

export const FULL_SIZES = [1_000_000, 10_000_000];

/** Heap types in the views heap: the "heaps with 50,000 types". */
export const VIEWS_TYPES = 50_000;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const options: BenchOptions = { mode: 'full', sizes: FULL_SIZES, writeMarkdown: true, toolTimeoutMs: 900_000, verbose: false, viewsTypes: VIEWS_TYPES, viewsItems: 0, sampling: true };
  let sizesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value. Run \`npm run bench -- --help\`.`);
      return v;
    };
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--quick':
        options.mode = 'quick';
        break;
      case '--sizes':
        options.sizes = value().split(',').map((s) => positiveInteger(s.replace(/_/g, ''), '--sizes', 10_000));
        sizesGiven = true;
        break;
      case '--runs':
        options.runs = positiveInteger(value(), '--runs', 1);
        break;
      case '--note':
        options.note = value();
        break;
      case '--no-markdown':
        options.writeMarkdown = false;
        break;
      case '--tool-timeout':
        options.toolTimeoutMs = positiveInteger(value(), '--tool-timeout', 1) * 1000;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--no-sampling':
        options.sampling = false;
        break;
      case '--sampling-only':
        options.sizes = [];
        options.viewsTypes = 0;
        sizesGiven = true;
        break;
      case '--no-views':
        options.viewsTypes = 0;
        break;
      case '--views': {
        const [types, items] = value().split(',');
        options.viewsTypes = positiveInteger((types ?? '').replace(/_/g, ''), '--views', 1);
        options.viewsItems = positiveInteger((items ?? '').replace(/_/g, ''), '--views', 1_000);
        break;
      }
      default:
        throw new UsageError(`Unknown option "${arg}". Run \`npm run bench -- --help\`.`);
    }
  }
  if (sizesGiven && options.mode === 'quick') throw new UsageError('--quick and --sizes do not go together: --quick means 1,000,000 objects.');
  if (options.mode === 'quick') options.sizes = [FULL_SIZES[0]];
  else if (sizesGiven) options.mode = 'custom';
  options.sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  if (!options.viewsItems) options.viewsItems = options.mode === 'quick' ? 3_000_000 : 10_000_000;
  return options;
}

/** Several runs for medians; fewer for the largest heaps, where one run takes minutes. */
export function runsFor(size: number, options: BenchOptions): number {
  return options.runs ?? (size <= 2_000_000 ? 5 : 3);
}

function positiveInteger(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} takes whole numbers of at least ${min.toLocaleString('en-US')}, not "${text}".`);
  return n;
}
