// What the heap says about one event, and which `+=` lines it is about: the agent's "event-handlers" insight's
// figures (declaring type, event, delegates, targets, target types, kept objects and bytes, growth since the
// comparison) and its subscription locations (the `+=` lines it found in the program's IL, each with the handlers it
// added when the delegates tell). Plus the words of the lenses. Pure: no vscode values, unit-tested.
//
// A line gets heap evidence only when the agent named it: no matching by event name or receiver type, so two
// publishers of the same type, or a subscription through an interface, a base class or another file, get the evidence
// of the event they really subscribe to. A path from the PDB matches a document with the same path, or, when the PDB's
// path is not on this machine (built elsewhere), a document whose path ends with the same folder and file name.
import { formatBytes, formatCount, formatDelta } from '../../common/numbers';
import { shortTypeName, typeNesting } from '../../snapshots/typeNames';
import type { Insight, SourceLocation } from '../../protocol/agent';
import type { SubscriptionSite } from './subscriptionSites';

export const EVENT_HANDLERS_KIND = 'event-handlers';

export interface EventEvidence {
  /** Full name of the type whose field holds the delegates, e.g. "Events.Publisher". */
  declaringType: string;
  /** The event's field name, e.g. "Changed". */
  event: string;
  /** Handlers in the field's delegates (their invocation lists), on every publisher. */
  delegates: number;
  /** Distinct objects those handlers call (the subscribers), when known. */
  targets?: number;
  /** Handlers added since the snapshot compared with, when the agent measured it. */
  delegatesGrowth?: number;
  /** Full names of the handlers' target types. */
  targetTypes: string[];
  /** Objects and bytes those targets keep alive (as the agent measures them), when known. */
  keptObjects?: number;
  keptBytes?: number;
  /** One subscriber, whose retention path goes through the event: what the lens's click explains. */
  address?: string;
  /** The `+=` lines the agent found for this event. */
  sites: SourceLocation[];
}

/** The evidence for one `+=` line the agent named. */
export interface LineEvidence {
  evidence: EventEvidence;
  site: SourceLocation;
}

/** How many subscribers the lens names: the distinct targets when known, else the handlers. */
export function subscriberCount(evidence: EventEvidence): number {
  return evidence.targets ?? evidence.delegates;
}

function numberFigure(value: number | string | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[\d,]+$/.test(value.trim())) return Number(value.replace(/,/g, ''));
  return undefined;
}

/** "Events.Subscriber, Events.Other (3)" or ["…"] → full type names. Commas inside generic arguments do not split. */
export function typeList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string' || !value.trim()) return [];
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '<' || ch === '[') depth++;
    if (ch === '>' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      names.push(current);
      current = '';
    } else current += ch;
  }
  names.push(current);
  return names.map((n) => n.replace(/\s*\([^)]*\)\s*$/, '').trim()).filter(Boolean);
}

/** The event-handlers insights as evidence, one per declaring type and event. */
export function evidenceFromInsights(insights: Insight[]): EventEvidence[] {
  const found: EventEvidence[] = [];
  for (const insight of insights) {
    if (insight.kind !== EVENT_HANDLERS_KIND) continue;
    const f = insight.figures;
    const declaringType = typeof f.declaringType === 'string' ? f.declaringType : undefined;
    const event = typeof f.event === 'string' ? f.event : undefined;
    const delegates = numberFigure(f.delegates);
    if (!declaringType || !event || delegates === undefined) continue;
    const targetTypes = typeList(f.targetTypes);
    // The agent lists the publisher first (when the event is not static), then one subscriber.
    const publishers = numberFigure(f.publishers);
    const addresses = insight.addresses ?? [];
    found.push({
      declaringType,
      event,
      delegates,
      targets: numberFigure(f.targets),
      delegatesGrowth: numberFigure(f.delegatesGrowth),
      targetTypes: targetTypes.length ? targetTypes : (insight.types ?? []).filter((t) => t !== declaringType),
      keptObjects: numberFigure(f.keptObjects),
      keptBytes: numberFigure(f.keptBytes),
      address: publishers === 0 ? addresses[0] : addresses[1],
      sites: insight.locations.filter((l) => l.role === 'subscription'),
    });
  }
  return found;
}

function simpleName(typeName: string): string {
  const names = typeNesting(typeName).names;
  return names[names.length - 1] ?? typeName;
}

/** Path segments, last first, for comparing a PDB's path with a document's on any OS. */
function segments(file: string): string[] {
  return file.split(/[\\/]+/).filter(Boolean).reverse();
}

/**
 * Whether a path the PDB records is this document. `pdbPathExists`: the PDB's path is a file on this machine (then
 * only the same path matches; otherwise the last two segments, folder and file name, must agree).
 */
export function sameSourceFile(pdbPath: string, documentPath: string, pdbPathExists: boolean): boolean {
  const a = segments(pdbPath);
  const b = segments(documentPath);
  if (pdbPathExists) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a.length >= 2 && b.length >= 2 && a[0] === b[0] && a[1] === b[1];
}

/** The `+=` lines (1-based) the agent named in one document, each with its evidence; several events may share a line. */
export function evidenceInDocument(evidence: EventEvidence[], isThisDocument: (pdbPath: string) => boolean): LineEvidence[] {
  const found: LineEvidence[] = [];
  for (const e of evidence) for (const site of e.sites) if (isThisDocument(site.file)) found.push({ evidence: e, site });
  return found;
}

/** The target type a lens names: the one the handler's source points at when it is among them, else the first. */
export function namedTarget(evidence: EventEvidence, wanted?: string): string | undefined {
  return evidence.targetTypes.find((t) => wanted && simpleName(t) === wanted) ?? evidence.targetTypes[0];
}

/**
 * "⚠ 2,000 Subscriber kept alive by Publisher.Changed (624.0 KB) · +500 since Events #1" when this line added every
 * handler (or the agent could not tell), "⚠ 101 of 601 handlers added here, kept alive by Notifier.Changed (14.1 KB in
 * all)" when it added part of them. `wantedTarget`: the simple name of the handler's target type as the source says.
 */
export function evidenceTitle(found: LineEvidence, wantedTarget?: string, growth?: { count: number; since: string }): string {
  const { evidence, site } = found;
  const owner = `${shortTypeName(evidence.declaringType)}.${evidence.event}`;
  const change = growth && growth.count !== 0 ? ` · ${formatDelta(growth.count)} since ${growth.since}` : growth ? ` · no change since ${growth.since}` : '';
  if (site.handlers !== undefined && site.handlers !== evidence.delegates) {
    const bytes = evidence.keptBytes !== undefined ? ` (${formatBytes(evidence.keptBytes)} in all)` : '';
    return `⚠ ${formatCount(site.handlers)} of ${formatCount(evidence.delegates)} handlers added here, kept alive by ${owner}${bytes}${change}`;
  }
  const target = namedTarget(evidence, wantedTarget);
  const who = target ? shortTypeName(target) : 'handler targets';
  const more = evidence.targetTypes.length > 1 ? ` and ${evidence.targetTypes.length - 1} more type${evidence.targetTypes.length > 2 ? 's' : ''}` : '';
  const bytes = evidence.keptBytes !== undefined ? ` (${formatBytes(evidence.keptBytes)})` : '';
  return `⚠ ${formatCount(subscriberCount(evidence))} ${who}${more} kept alive by ${owner}${bytes}${change}`;
}

/** The lens's tooltip: what was counted, and that the agent found this line in the program's code. */
export function evidenceTooltip(found: LineEvidence, snapshotLabel: string): string {
  const { evidence, site } = found;
  const lines = [
    `${snapshotLabel}: ${evidence.declaringType}.${evidence.event} holds ${formatCount(evidence.delegates)} handler(s)` +
      (evidence.targets !== undefined ? ` calling ${formatCount(evidence.targets)} object(s)` : '') +
      (evidence.targetTypes.length ? ` of ${evidence.targetTypes.join(', ')}` : '') +
      '.',
  ];
  if (evidence.keptObjects !== undefined) lines.push(`They keep ${formatCount(evidence.keptObjects)} objects alive${evidence.keptBytes !== undefined ? ` (${formatBytes(evidence.keptBytes)})` : ''}.`);
  lines.push(
    `This line subscribes to it: ${site.method ?? 'its method'} calls add_${evidence.event} here (found in the program's IL)` +
      (site.handlers !== undefined ? `, and ${formatCount(site.handlers)} of the handlers were made here.` : '.'),
  );
  lines.push('Click to see the retention path.');
  return lines.join('\n');
}

/** The hint that needs no snapshot, or undefined when there is nothing to say. */
export function staticHint(site: SubscriptionSite): { title: string; tooltip: string } | undefined {
  // A static method as the handler: the delegate has no target, so staying subscribed keeps nothing alive.
  if (site.handler.isStatic) return undefined;
  const where = site.enclosingTypes.length ? site.enclosingTypes[site.enclosingTypes.length - 1] : 'this file';
  switch (site.removal) {
    case 'never':
      return {
        title: '⚠ never unsubscribed',
        tooltip: `${where} has no \`-=\` for ${site.event} and no Dispose or unsubscribe method: every handler added here stays in the event, and keeps its target alive as long as the publisher lives.`,
      };
    case 'lambdaRemoval':
      return {
        title: '⚠ never unsubscribed: -= with a new lambda removes nothing',
        tooltip: `The only \`-=\` for ${site.event} in ${where} removes a lambda written there, which is a new delegate that was never added. Keep the handler in a field and remove that.`,
      };
    default:
      return undefined;
  }
}
