// What an insight's source location is, in words, for every place that lists locations: the CLI's text and SARIF,
// the Insights view and the summary page. No vscode values.
import type { SourceLocation } from '../protocol/agent';
import { formatCount } from '../common/numbers';

/** What a location is, when the agent says: "+= in Ns.View..ctor, 300 handlers", "handler Ns.View.OnChanged". */
export function locationNote(location: SourceLocation): string | undefined {
  if (location.role === 'subscription') {
    const count = location.handlers !== undefined ? `, ${formatCount(location.handlers)} handler${location.handlers === 1 ? '' : 's'}` : '';
    return `+= in ${location.method ?? 'a method'}${count}`;
  }
  if (location.role === 'handler') return location.method ? `handler ${location.method}` : 'handler';
  return undefined;
}
