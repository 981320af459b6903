// An insight's figure as people read it, the same in the Insights view and on the summary page: counts with
// thousands separators, and byte figures (named "…Bytes") with their size in KB/MB too. Pure: the webview uses it.
import { formatBytes, formatCount } from '../../common/numbers';

export function figureText(name: string, value: number | string): string {
  if (typeof value !== 'number') return value;
  return /bytes$/i.test(name) && Math.abs(value) >= 1024 ? `${formatCount(value)} (${formatBytes(value)})` : formatCount(value);
}
