// Insights (and leak-gate breaches) as a SARIF 2.1.0 log, the format CI systems and code-scanning tools read.
// One rule per insight kind; warnings are level "warning", information "note", a broken growth limit "error".
// Source locations inside the working folder are written relative to it (uriBaseId SRCROOT), so a pipeline can
// match them to the repository; others as file:// URIs. The file is private (0600): it quotes string contents.
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Insight, InsightKind, insightKinds } from '../protocol/agent';
import { GateBreach, describeBreach } from './failOn';
import { locationNote } from '../snapshots/insightLocations';
import { CliFailure } from './failure';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const GROWTH_RULE = 'heap-growth';

interface RuleText {
  name: string;
  short: string;
  full: string;
}

const ruleTexts: Record<InsightKind | typeof GROWTH_RULE, RuleText> = {
  'accumulation-point': {
    name: 'OneObjectRetainsMuchOfTheHeap',
    short: 'One object keeps a large share of the live heap alive, or what it keeps alive grew the most.',
    full: 'A single object (often a collection or cache held by a static field) is the only way to a large part of the heap: everything it retains is freed when it goes. Bound or evict what it holds, or stop holding it when done.',
  },
  'event-handlers': {
    name: 'EventHandlersKeepSubscribersAlive',
    short: 'An event holds many handlers that keep their subscribers alive.',
    full: 'An event (or delegate field) of a long-lived object holds handlers whose targets nothing else keeps alive. Remove handlers when subscribers are done, or subscribe weakly.',
  },
  'growing-collection': {
    name: 'LongLivedCollectionGrows',
    short: 'A collection held by a static field grew between snapshots.',
    full: 'A collection that lives as long as the program grew between two snapshots. Bound it, evict entries, or key it weakly.',
  },
  'duplicate-strings': {
    name: 'DuplicateStrings',
    short: 'The same text is held by many string objects.',
    full: 'Many string objects hold the same text. Reuse one instance (constants, a pool, string.Intern).',
  },
  'loh-fragmentation': {
    name: 'LargeObjectHeapFragmentation',
    short: 'The Large Object Heap holds much free space between large objects.',
    full: 'Large arrays allocated and dropped between long-lived ones leave holes in the Large Object Heap, which is not compacted by default. Pool large buffers.',
  },
  finalizers: {
    name: 'Finalizers',
    short: 'Finalizers cost memory: empty finalizers, a blocked or backed-up finalization queue.',
    full: 'Objects with finalizers survive an extra collection; an empty finalizer adds that cost for nothing, and a finalizer that waits stops all finalization.',
  },
  threads: {
    name: 'Threads',
    short: 'Threads blocked for ever, or many threads waiting at one line, and what their stacks cost.',
    full: 'A thread that joins itself (or threads that join each other) never ends; many threads parked at one line usually mean a thread per task that never returns.',
  },
  'dynamic-assemblies': {
    name: 'DynamicAssembliesGrow',
    short: 'Assemblies generated at run time accumulate.',
    full: 'Generated assemblies stay loaded for the life of the process. Cache generators such as XmlSerializer created with an XmlRootAttribute.',
  },
  'server-gc': {
    name: 'ServerGc',
    short: 'The process runs server GC, with one heap per core.',
    full: 'Server GC keeps one heap per core with its own budget: a large process under server GC is not, by itself, a leak.',
  },
  [GROWTH_RULE]: {
    name: 'HeapTypeGrowthLimit',
    short: 'A heap type grew past a limit set with --fail-on.',
    full: 'The number of objects (or bytes) of a heap type grew between the two snapshots by more than the limit given to heaplens diff --fail-on.',
  },
};

export interface SarifOptions {
  /** Folder that relative URIs are relative to (default: the current folder). */
  root?: string;
  toolVersion?: string;
  breaches?: GateBreach[];
}

type Json = Record<string, unknown>;

export function toSarif(insights: Insight[], options: SarifOptions = {}): Json {
  const root = path.resolve(options.root ?? process.cwd());
  const ruleIds = [...insightKinds, GROWTH_RULE] as const;
  const rules = ruleIds.map((id) => ({
    id,
    name: ruleTexts[id].name,
    shortDescription: { text: ruleTexts[id].short },
    fullDescription: { text: ruleTexts[id].full },
    defaultConfiguration: { level: id === GROWTH_RULE ? 'error' : id === 'server-gc' ? 'note' : 'warning' },
    help: { text: `${ruleTexts[id].full} Run \`heaplens inspect <dump> [<baseline>]\` for the figures.` },
  }));
  const results: Json[] = insights.map((insight) => ({
    ruleId: insight.kind,
    ruleIndex: ruleIds.indexOf(insight.kind),
    level: insight.severity === 'warning' ? 'warning' : 'note',
    message: { text: `${insight.title}. ${insight.detail}` },
    ...(insight.locations.length
      ? {
          locations: insight.locations.map((l) => {
            const note = locationNote(l);
            return {
              physicalLocation: { artifactLocation: artifact(l.file, root), region: { startLine: Math.max(1, l.line) } },
              ...(note ? { message: { text: note } } : {}),
            };
          }),
        }
      : {}),
    properties: { figures: insight.figures, ...(insight.types ? { types: insight.types } : {}), ...(insight.addresses ? { addresses: insight.addresses } : {}) },
  }));
  for (const b of options.breaches ?? []) {
    results.push({
      ruleId: GROWTH_RULE,
      ruleIndex: ruleIds.indexOf(GROWTH_RULE),
      level: 'error',
      message: { text: `${describeBreach(b)}: --fail-on "${b.limit}".` },
      properties: { type: b.type, measure: b.measure, growth: b.growth, allowed: b.allowed, before: b.before, after: b.after },
    });
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'HeapLens', ...(options.toolVersion ? { version: options.toolVersion } : {}), rules } },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root + path.sep).href } },
        results,
      },
    ],
  };
}

function artifact(file: string, root: string): Json {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: pathToFileURL(abs).href };
}

/** Checked before any analysis, so a bad --sarif path fails at once rather than after minutes of work. */
export function checkSarifDestination(file: string): void {
  const abs = path.resolve(file);
  let code: string | undefined;
  try {
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) code = 'EISDIR';
    else fs.accessSync(path.dirname(abs), fs.constants.W_OK);
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
  if (code) throw new CliFailure(`Cannot write the SARIF file ${abs} (${code}): choose another path with --sarif FILE.`);
}

/** Writes the log (0600, replacing any file there); a failure is one sentence naming --sarif. */
export function writeSarif(file: string, log: Json): string {
  const abs = path.resolve(file);
  try {
    fs.writeFileSync(abs, `${JSON.stringify(log, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(abs, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliFailure(`Cannot write the SARIF file ${abs} (${code}): choose another path with --sarif FILE.`);
  }
  return abs;
}
