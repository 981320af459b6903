// The Heap scope of the Variables view: heap types by bytes (name, count, bytes, retained bytes); a type expands to its instances
// (paged: VS Code asks for ranges of indexed children), an instance to its fields, and a field that refers to an
// object to that object's fields. Types come a page at a time (a heap can hold 50,000): a last "more…" variable
// holds the next page. Handles live until the program runs again.
import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatBytesExact } from '../common/numbers';
import type { Address, HeapObject } from '../protocol/agent';
import type { DebugEngine } from './engine';

type HeapNode = { kind: 'types'; offset: number } | { kind: 'type'; type: string; count: number } | { kind: 'object'; address: Address };

/** The most children one unpaged request returns; VS Code pages anything larger itself. */
const MAX_UNPAGED = 1000;
/** Heap types per page of the Heap scope (and of each "more…" variable). */
export const TYPES_PAGE = 500;

export class HeapVariables {
  private handles = new Handles<HeapNode>();
  private root: number | undefined;

  constructor(private readonly engine: DebugEngine) {}

  /** Forgets every handle: the program ran, so the objects may have moved. */
  reset(): void {
    this.handles.reset();
    this.root = undefined;
  }

  /** The variablesReference of the Heap scope of the current stop. */
  scopeReference(): number {
    this.root ??= this.handles.create({ kind: 'types', offset: 0 });
    return this.root;
  }

  async variables(args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.Variable[]> {
    const node = this.handles.get(args.variablesReference);
    if (!node) return [];
    switch (node.kind) {
      case 'types':
        return this.types(node.offset);
      case 'type':
        if (args.filter === 'named') return [];
        return this.instances(node, args.start ?? 0, args.count || MAX_UNPAGED);
      case 'object':
        return this.fields(await this.engine.object(node.address));
    }
  }

  private async types(offset: number): Promise<DebugProtocol.Variable[]> {
    const page = await this.engine.heapTypes(offset, TYPES_PAGE);
    const variables = page.types.map((t): DebugProtocol.Variable => ({
      name: t.name,
      // What the type's instances retain (freed if they all went) comes last: the first bytes figure is their own size.
      value: `${t.count.toLocaleString('en-US')} ${t.count === 1 ? 'object' : 'objects'}, ${formatBytesExact(t.bytes)}${typeof t.retainedBytes === 'number' ? `; retains ${formatBytesExact(t.retainedBytes)}` : ''}`,
      type: 'heap type',
      variablesReference: t.count > 0 ? this.handles.create({ kind: 'type', type: t.name, count: t.count }) : 0,
      indexedVariables: t.count,
      presentationHint: { kind: 'class', attributes: ['readOnly'] },
    }));
    const next = offset + page.types.length;
    if (page.types.length > 0 && next < page.totalTypes) {
      variables.push({
        name: 'more…',
        value: `${(page.totalTypes - next).toLocaleString('en-US')} more heap types (${next.toLocaleString('en-US')} of ${page.totalTypes.toLocaleString('en-US')} shown)`,
        variablesReference: this.handles.create({ kind: 'types', offset: next }),
        presentationHint: { kind: 'virtual', attributes: ['readOnly'] },
      });
    }
    return variables;
  }

  private async instances(node: { type: string; count: number }, start: number, count: number): Promise<DebugProtocol.Variable[]> {
    const page = await this.engine.instances(node.type, start, Math.min(count, MAX_UNPAGED));
    return page.instances.map((instance, i) => ({
      name: `[${start + i}]`,
      value: `${node.type} @ ${instance.address} (${formatBytesExact(instance.size)}${typeof instance.retainedBytes === 'number' && instance.retainedBytes > instance.size ? `; retains ${formatBytesExact(instance.retainedBytes)}` : ''})`,
      type: node.type,
      variablesReference: this.handles.create({ kind: 'object', address: instance.address }),
      presentationHint: { kind: 'data', attributes: ['readOnly'] },
    }));
  }

  private fields(object: HeapObject): DebugProtocol.Variable[] {
    const result: DebugProtocol.Variable[] = [];
    if (object.text !== undefined) result.push({ name: 'text', value: JSON.stringify(object.text), type: 'System.String', variablesReference: 0, presentationHint: { kind: 'virtual' } });
    if (object.length !== undefined) result.push({ name: 'Length', value: String(object.length), type: 'int', variablesReference: 0, presentationHint: { kind: 'virtual' } });
    for (const field of object.fields) {
      const ref = field.address && field.value !== 'null' ? this.handles.create({ kind: 'object', address: field.address }) : 0;
      result.push({ name: field.name, value: field.value, type: field.type, variablesReference: ref, presentationHint: { kind: 'property', attributes: ['readOnly'] } });
    }
    return result;
  }
}
