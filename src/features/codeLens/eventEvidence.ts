// What the heap says about one event, and how a `+=` site is matched to it: the agent's "event-handlers" insight's
// figures (declaring type, event, delegates, targets, target types, kept objects and bytes, growth since the
// comparison). Plus the words of the lenses. Pure: no vscode values, unit-tested.
//
// What is matched, honestly: the heap knows an event by the type that declares its backing field and the field's
// name; the source knows a `+=` by the event's name and, as far as the file tells, the receiver's type (a local,
// parameter, field or property declared in the same file). A site matches evidence with the same event name whose
// declaring type has the receiver's simple name; failing that (receiver not resolved, or the event inherited from a
// base type), evidence whose declaring type is a type the workspace declares that event in. Namespaces are not
// compared, and neither are receivers: two publishers of the same type share one line of evidence.
import { formatBytes, formatCount, formatDelta } from '../../common/numbers';
import { shortTypeName, typeNesting } from '../../snapshots/typeNames';
import type { Insight } from '../../protocol/agent';
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
}

export interface EvidenceMatch {
  evidence: EventEvidence;
  /** `receiver`: the receiver's type matched; `event`: only the event's name and a declaring type the workspace knows. */
  by: 'receiver' | 'event';
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
    });
  }
  return found;
}

function simpleName(typeName: string): string {
  const names = typeNesting(typeName).names;
  return names[names.length - 1] ?? typeName;
}

/**
 * The evidence for a `+=` site. `declaringTypesOfEvent`: simple names of the types the workspace declares an event of
 * this name in (from the C# index). With several candidates, the one with most delegates.
 */
export function matchEvidence(site: SubscriptionSite, evidence: EventEvidence[], declaringTypesOfEvent: string[]): EvidenceMatch | undefined {
  const sameEvent = evidence.filter((e) => e.event === site.event);
  const largest = (list: EventEvidence[]) => [...list].sort((a, b) => b.delegates - a.delegates)[0];
  if (site.declaringType) {
    const byReceiver = sameEvent.filter((e) => simpleName(e.declaringType) === site.declaringType);
    if (byReceiver.length) return { evidence: largest(byReceiver), by: 'receiver' };
  }
  const known = new Set(declaringTypesOfEvent);
  const byEvent = sameEvent.filter((e) => known.has(simpleName(e.declaringType)));
  return byEvent.length ? { evidence: largest(byEvent), by: 'event' } : undefined;
}

/** The target type a lens names: the one the handler's source points at when it is among them, else the first. */
export function namedTarget(evidence: EventEvidence, site: SubscriptionSite): string | undefined {
  const wanted = site.handler.targetType;
  return evidence.targetTypes.find((t) => wanted && simpleName(t) === wanted) ?? evidence.targetTypes[0];
}

/** "⚠ 2,000 Subscriber kept alive by Publisher.Changed (624.0 KB) · +500 since Events #1". */
export function evidenceTitle(match: EvidenceMatch, site: SubscriptionSite, growth?: { count: number; since: string }): string {
  const { evidence } = match;
  const target = namedTarget(evidence, site);
  const who = target ? shortTypeName(target) : 'handler targets';
  const more = evidence.targetTypes.length > 1 ? ` and ${evidence.targetTypes.length - 1} more type${evidence.targetTypes.length > 2 ? 's' : ''}` : '';
  const owner = `${shortTypeName(evidence.declaringType)}.${evidence.event}`;
  const bytes = evidence.keptBytes !== undefined ? ` (${formatBytes(evidence.keptBytes)})` : '';
  const change = growth && growth.count !== 0 ? ` · ${formatDelta(growth.count)} since ${growth.since}` : growth ? ` · no change since ${growth.since}` : '';
  return `⚠ ${formatCount(subscriberCount(evidence))} ${who}${more} kept alive by ${owner}${bytes}${change}`;
}

/** The lens's tooltip: what was counted and how the site was matched. */
export function evidenceTooltip(match: EvidenceMatch, snapshotLabel: string): string {
  const { evidence } = match;
  const lines = [
    `${snapshotLabel}: ${evidence.declaringType}.${evidence.event} holds ${formatCount(evidence.delegates)} handler(s)` +
      (evidence.targets !== undefined ? ` calling ${formatCount(evidence.targets)} object(s)` : '') +
      (evidence.targetTypes.length ? ` of ${evidence.targetTypes.join(', ')}` : '') +
      '.',
  ];
  if (evidence.keptObjects !== undefined) lines.push(`They keep ${formatCount(evidence.keptObjects)} objects alive${evidence.keptBytes !== undefined ? ` (${formatBytes(evidence.keptBytes)})` : ''}.`);
  lines.push(match.by === 'receiver' ? 'Matched by the receiver’s type and the event’s name.' : 'Matched by the event’s name and a type in this workspace that declares it.');
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
