// The event subscriptions of one C# file, read from its syntax tree (tree-sitter's C# grammar, never regular
// expressions): every `x.E += handler` and `E += handler` with lambdas, anonymous methods, method groups and
// `new Handler(m)`, the type the event is declared on as far as the file tells, the handler's target type, and the
// static verdict "never unsubscribed" when the enclosing type has no matching `-=` and no Dispose/unsubscribe path.
// No vscode values: the code lens provider feeds it a parsed tree, unit tests feed it the fixtures' sources.
import type { Node } from 'web-tree-sitter';

/** 0-based, like an editor range. */
export interface SiteRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export type HandlerKind = 'lambda' | 'anonymousMethod' | 'methodGroup' | 'delegateCreation' | 'other';

/**
 * What the type around a `+=` says about removing it again:
 * - `never`: no `-=` of this event and no Dispose/unsubscribe method in the type: the hint "never unsubscribed";
 * - `lambdaRemoval`: the only `-=` of this event removes a new lambda, which never equals an added delegate;
 * - `removed`: some `-=` of this event in the type (not checked to be the same receiver or handler);
 * - `disposePath`: no `-=`, but the type is disposable or has an Unsubscribe-like method, so we stay quiet;
 * - `unknown`: a partial type (its other parts are in other files) or top-level code: we stay quiet.
 */
export type RemovalVerdict = 'never' | 'lambdaRemoval' | 'removed' | 'disposePath' | 'unknown';

export interface SubscriptionSite {
  /** The event's name: `Bus.Changed += …` → "Changed". */
  event: string;
  /** The receiver as written ("Bus", "this.pub"); "" for a bare `Changed += …`. */
  receiver: string;
  /** Simple name of the type the event is on, when the file tells: a local's, field's or parameter's type. */
  declaringType?: string;
  handler: {
    kind: HandlerKind;
    text: string;
    /** Simple name of the object the handler keeps alive, when known. */
    targetType?: string;
    /** A static method of this file: the delegate has no target, so it keeps nothing alive. */
    isStatic: boolean;
  };
  /** Simple names of the enclosing types, outermost first (empty in top-level code). */
  enclosingTypes: string[];
  namespace: string;
  /** The whole assignment. */
  range: SiteRange;
  removal: RemovalVerdict;
}

/** What the rest of the workspace knows (the C# index), to tell `total += n` from an event subscription. */
export interface WorkspaceKnowledge {
  isEvent(name: string): boolean;
  isMethod(name: string): boolean;
  isType(name: string): boolean;
}

export const NOTHING_KNOWN: WorkspaceKnowledge = { isEvent: () => false, isMethod: () => false, isType: () => false };

const TYPE_DECLARATIONS = new Set(['class_declaration', 'struct_declaration', 'record_declaration', 'record_struct_declaration', 'interface_declaration']);
const FUNCTION_SCOPES = new Set(['method_declaration', 'constructor_declaration', 'destructor_declaration', 'local_function_statement', 'accessor_declaration', 'operator_declaration', 'conversion_operator_declaration', 'lambda_expression', 'anonymous_method_expression']);
const DISPOSE_METHODS = new Set(['Dispose', 'DisposeAsync', 'Close']);
const DISPOSABLE_BASES = new Set(['IDisposable', 'IAsyncDisposable']);
/** Method names that say "this type takes its handlers off again" even without a `-=` we can pair. */
const UNSUBSCRIBE_PREFIXES = ['Unsubscribe', 'Unregister', 'Detach', 'Unhook', 'RemoveHandler', 'Unwire'];

/** One type declaration of the file, with what the verdict and the receiver resolution need. */
interface TypeInfo {
  node: Node;
  names: string[];
  partial: boolean;
  disposable: boolean;
  events: Set<string>;
  methods: Set<string>;
  staticMethods: Set<string>;
  /** Field and property names → the simple name of their type. */
  members: Map<string, string>;
}

/** Reads every event subscription in a parsed file. */
export function readSubscriptionSites(root: Node, knowledge: WorkspaceKnowledge = NOTHING_KNOWN): SubscriptionSite[] {
  const types = collectTypes(root);
  const byId = new Map(types.map((t) => [t.node.id, t]));
  const typeNames = new Set(types.map((t) => t.names[t.names.length - 1]));
  const local: WorkspaceKnowledge = {
    isEvent: (n) => types.some((t) => t.events.has(n)) || knowledge.isEvent(n),
    isMethod: (n) => types.some((t) => t.methods.has(n)) || knowledge.isMethod(n),
    isType: (n) => typeNames.has(n) || knowledge.isType(n),
  };

  const assignments = root.descendantsOfType('assignment_expression').filter((n): n is Node => !!n);
  // `-=` sites by event name, so a file with thousands of each stays linear.
  const removals = new Map<string, Node[]>();
  for (const a of assignments) {
    const left = operatorOf(a) === '-=' ? a.childForFieldName('left') : null;
    const event = left ? eventTarget(left)?.event : undefined;
    if (event) removals.set(event, [...(removals.get(event) ?? []), a]);
  }
  const sites: SubscriptionSite[] = [];
  for (const node of assignments) {
    if (operatorOf(node) !== '+=') continue;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) continue;
    const target = eventTarget(left);
    if (!target) continue;
    const handlerKind = kindOf(right, local);
    if (!isSubscription(target.event, handlerKind, right, local)) continue;
    const enclosing = enclosingType(node, byId);
    const scope = { node, enclosing, types };
    sites.push({
      event: target.event,
      receiver: target.receiver?.text ?? '',
      declaringType: target.receiver ? resolveType(target.receiver, scope, local) : enclosing?.events.has(target.event) ? last(enclosing.names) : undefined,
      handler: {
        kind: handlerKind,
        text: right.text.length > 80 ? `${right.text.slice(0, 77)}…` : right.text,
        targetType: handlerTarget(right, handlerKind, scope, local),
        isStatic: isStaticMethodGroup(right, handlerKind, scope),
      },
      enclosingTypes: enclosing?.names ?? [],
      namespace: namespaceOf(node),
      range: rangeOf(node),
      removal: verdict(enclosing, removals.get(target.event) ?? []),
    });
  }
  return sites;
}

function last<T>(items: T[]): T | undefined {
  return items[items.length - 1];
}

function operatorOf(node: Node): string | undefined {
  return node.childForFieldName('operator')?.text ?? node.children.find((c) => c?.type === '+=' || c?.type === '-=')?.type;
}

/** `a.b.E` → event E on receiver `a.b`; `E` → event E on `this`; anything else (indexers, calls) is not an event. */
function eventTarget(left: Node): { event: string; receiver?: Node } | undefined {
  if (left.type === 'identifier') return { event: left.text };
  if (left.type === 'member_access_expression') {
    const name = left.childForFieldName('name');
    const receiver = left.childForFieldName('expression');
    if (name?.type === 'identifier' && receiver) return { event: name.text, receiver: receiver.type === 'this' || receiver.text === 'this' ? undefined : receiver };
  }
  return undefined;
}

function kindOf(right: Node, knowledge: WorkspaceKnowledge): HandlerKind {
  switch (right.type) {
    case 'lambda_expression':
      return 'lambda';
    case 'anonymous_method_expression':
      return 'anonymousMethod';
    case 'object_creation_expression': {
      // `new EventHandler(OnChanged)`: a delegate made from one method group.
      const args = right.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a) ?? [];
      return args.length === 1 && methodGroupName(args[0].namedChildren[0] ?? args[0]) !== undefined ? 'delegateCreation' : 'other';
    }
    default: {
      const name = methodGroupName(right);
      return name !== undefined && knowledge.isMethod(name) ? 'methodGroup' : 'other';
    }
  }
}

/** `OnChanged`, `this.OnChanged`, `s.OnChanged` → "OnChanged". */
function methodGroupName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'member_access_expression') {
    const name = node.childForFieldName('name');
    return name?.type === 'identifier' ? name.text : undefined;
  }
  return undefined;
}

/**
 * `+=` also adds numbers and strings. It subscribes when the right side can only be a delegate (a lambda, an
 * anonymous method, `new Handler(m)`), when it names a method (a method group), or when the left side names an
 * event the workspace declares.
 */
function isSubscription(event: string, kind: HandlerKind, _right: Node, knowledge: WorkspaceKnowledge): boolean {
  return kind !== 'other' || knowledge.isEvent(event);
}

interface Scope {
  node: Node;
  enclosing: TypeInfo | undefined;
  types: TypeInfo[];
  /** Locals already followed through `var x = y` (against cycles). */
  seen?: Set<string>;
}

/** The simple name of an expression's type, from what this file declares: locals, parameters, fields, properties. */
function resolveType(expression: Node, scope: Scope, knowledge: WorkspaceKnowledge): string | undefined {
  switch (expression.type) {
    case 'this':
    case 'base':
      return scope.enclosing ? last(scope.enclosing.names) : undefined;
    case 'identifier':
      return resolveName(expression.text, scope, knowledge);
    case 'parenthesized_expression':
      return expression.namedChildren[0] ? resolveType(expression.namedChildren[0], scope, knowledge) : undefined;
    case 'member_access_expression': {
      const inner = expression.childForFieldName('expression');
      const name = expression.childForFieldName('name')?.text;
      if (!inner || !name) return undefined;
      const owner = inner.type === 'this' || inner.text === 'this' ? (scope.enclosing ? last(scope.enclosing.names) : undefined) : resolveType(inner, scope, knowledge);
      if (!owner) return undefined;
      return scope.types.find((t) => last(t.names) === owner)?.members.get(name);
    }
    case 'object_creation_expression':
      return simpleTypeName(expression.childForFieldName('type'));
    default:
      return undefined;
  }
}

/** A name used as a receiver: a local or parameter in scope, a field or property of an enclosing type, or a type. */
function resolveName(name: string, scope: Scope, knowledge: WorkspaceKnowledge): string | undefined {
  for (let node: Node | null = scope.node.parent; node; node = node.parent) {
    if (FUNCTION_SCOPES.has(node.type)) {
      const found = localType(node, name, scope, knowledge) ?? parameterType(node, name);
      if (found) return found;
    }
    if (TYPE_DECLARATIONS.has(node.type)) {
      const type = scope.types.find((t) => t.node.id === node!.id);
      const member = type?.members.get(name);
      if (member) return member;
    }
  }
  return knowledge.isType(name) ? name : undefined;
}

function parameterType(fn: Node, name: string): string | undefined {
  const parameters = fn.childForFieldName('parameters');
  for (const p of parameters?.namedChildren ?? []) {
    if (p?.type === 'parameter' && p.childForFieldName('name')?.text === name) return simpleTypeName(p.childForFieldName('type'));
  }
  return undefined;
}

/** `Publisher p = …` → "Publisher"; `var p = new Publisher()` → "Publisher"; `var p = Make()` → unknown. */
function localType(fn: Node, name: string, scope: Scope, knowledge: WorkspaceKnowledge): string | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  for (const declaration of body.descendantsOfType('variable_declaration')) {
    if (!declaration) continue;
    for (const declarator of declaration.namedChildren) {
      if (declarator?.type !== 'variable_declarator' || declarator.childForFieldName('name')?.text !== name) continue;
      const type = declaration.childForFieldName('type');
      if (type && type.type !== 'implicit_type') return simpleTypeName(type);
      // `var a = b; var b = a;` must not loop: each name is followed once.
      if (scope.seen?.has(name)) return undefined;
      const value = declarator.namedChildren.slice(1).find((c) => c && c.type !== 'bracketed_argument_list');
      return value ? resolveType(value, { ...scope, node: declarator, seen: new Set([...(scope.seen ?? []), name]) }, knowledge) : undefined;
    }
  }
  return undefined;
}

/** The object a handler keeps alive: `s.OnChanged` → s's type; `OnChanged`, a lambda or `delegate {}` → the enclosing type. */
function handlerTarget(right: Node, kind: HandlerKind, scope: Scope, knowledge: WorkspaceKnowledge): string | undefined {
  const enclosing = scope.enclosing ? last(scope.enclosing.names) : undefined;
  if (kind === 'methodGroup' || kind === 'delegateCreation') {
    const group = kind === 'delegateCreation' ? firstArgument(right) : right;
    if (!group) return undefined;
    if (group.type === 'identifier') return enclosing;
    const receiver = group.childForFieldName('expression');
    return receiver ? resolveType(receiver, scope, knowledge) : undefined;
  }
  // A lambda that uses `this` (or an instance member) is bound to the enclosing object; one that does not is bound to
  // a compiler-made closure or cached instance, which we cannot name from source.
  return kind === 'lambda' || kind === 'anonymousMethod' ? enclosing : undefined;
}

/** `OnExit` or `Program.OnExit` naming a static method declared in this file. */
function isStaticMethodGroup(right: Node, kind: HandlerKind, scope: Scope): boolean {
  const group = kind === 'delegateCreation' ? firstArgument(right) : kind === 'methodGroup' ? right : undefined;
  if (!group) return false;
  if (group.type === 'identifier') return scope.enclosing?.staticMethods.has(group.text) ?? false;
  const owner = group.childForFieldName('expression');
  const name = group.childForFieldName('name')?.text;
  if (owner?.type !== 'identifier' || !name) return false;
  return scope.types.some((t) => last(t.names) === owner.text && t.staticMethods.has(name));
}

function firstArgument(creation: Node): Node | undefined {
  const argument = creation.childForFieldName('arguments')?.namedChildren[0];
  return argument?.namedChildren[0] ?? undefined;
}

/** `Ns.Publisher` → "Publisher", `List<Order>` → "List", `Publisher?` → "Publisher". */
export function simpleTypeName(type: Node | null | undefined): string | undefined {
  if (!type) return undefined;
  switch (type.type) {
    case 'identifier':
      return type.text;
    case 'generic_name':
      return type.namedChildren[0]?.text;
    case 'qualified_name':
      return simpleTypeName(type.childForFieldName('name') ?? last(type.namedChildren.filter((c): c is Node => !!c)));
    case 'nullable_type':
      return simpleTypeName(type.childForFieldName('type') ?? type.namedChildren[0]);
    case 'alias_qualified_name':
      return simpleTypeName(type.childForFieldName('name'));
    default:
      return undefined;
  }
}

/** `removals`: the file's `-=` sites of the same event. */
function verdict(enclosing: TypeInfo | undefined, removals: Node[]): RemovalVerdict {
  if (!enclosing || enclosing.partial) return 'unknown';
  const inType = removals.filter((r) => isInside(r, enclosing.node));
  if (inType.some((r) => !['lambda_expression', 'anonymous_method_expression'].includes(r.childForFieldName('right')?.type ?? ''))) return 'removed';
  if (inType.length) return 'lambdaRemoval';
  if (enclosing.disposable) return 'disposePath';
  return 'never';
}

function isInside(node: Node, ancestor: Node): boolean {
  return node.startIndex >= ancestor.startIndex && node.endIndex <= ancestor.endIndex;
}

/** The innermost type declaration around `node` (a `+=` in a nested type belongs to that type). */
function enclosingType(node: Node, byId: Map<number, TypeInfo>): TypeInfo | undefined {
  for (let n = node.parent; n; n = n.parent) {
    const type = byId.get(n.id);
    if (type) return type;
  }
  return undefined;
}

function collectTypes(root: Node): TypeInfo[] {
  const types: TypeInfo[] = [];
  const visit = (node: Node, outer: string[]) => {
    let names = outer;
    if (TYPE_DECLARATIONS.has(node.type)) {
      const name = node.childForFieldName('name')?.text ?? '?';
      names = [...outer, name];
      types.push(describeType(node, names));
    }
    for (const child of node.namedChildren) if (child) visit(child, names);
  };
  visit(root, []);
  return types;
}

function describeType(node: Node, names: string[]): TypeInfo {
  const modifiers = node.namedChildren.filter((c) => c?.type === 'modifier').map((c) => c!.text);
  const bases = (node.namedChildren.find((c) => c?.type === 'base_list')?.namedChildren ?? []).map((b) => simpleTypeName(b) ?? '');
  const info: TypeInfo = {
    node,
    names,
    partial: modifiers.includes('partial'),
    disposable: bases.some((b) => DISPOSABLE_BASES.has(b)),
    events: new Set(),
    methods: new Set(),
    staticMethods: new Set(),
    members: new Map(),
  };
  const body = node.childForFieldName('body');
  for (const member of body?.namedChildren ?? []) {
    if (!member) continue;
    switch (member.type) {
      case 'field_declaration':
      case 'event_field_declaration': {
        const declaration = member.namedChildren.find((c) => c?.type === 'variable_declaration');
        const type = simpleTypeName(declaration?.childForFieldName('type'));
        for (const d of declaration?.namedChildren ?? []) {
          const name = d?.type === 'variable_declarator' ? d.childForFieldName('name')?.text : undefined;
          if (!name) continue;
          if (member.type === 'event_field_declaration') info.events.add(name);
          else if (type) info.members.set(name, type);
        }
        break;
      }
      case 'event_declaration': {
        const name = member.childForFieldName('name')?.text;
        if (name) info.events.add(name);
        break;
      }
      case 'property_declaration': {
        const name = member.childForFieldName('name')?.text;
        const type = simpleTypeName(member.childForFieldName('type'));
        if (name && type) info.members.set(name, type);
        break;
      }
      case 'method_declaration': {
        const name = member.childForFieldName('name')?.text;
        if (!name) break;
        info.methods.add(name);
        if (member.namedChildren.some((c) => c?.type === 'modifier' && c.text === 'static')) info.staticMethods.add(name);
        if (DISPOSE_METHODS.has(name) || UNSUBSCRIBE_PREFIXES.some((p) => name.startsWith(p))) info.disposable = true;
        break;
      }
    }
  }
  return info;
}

function namespaceOf(node: Node): string {
  const parts: string[] = [];
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'namespace_declaration') {
      const name = n.childForFieldName('name')?.text;
      if (name) parts.unshift(name);
    }
  }
  // A file-scoped namespace is a sibling of the code it covers, not an ancestor.
  let root: Node | null = node;
  while (root?.parent) root = root.parent;
  const fileScoped = root?.namedChildren.find((c) => c?.type === 'file_scoped_namespace_declaration')?.childForFieldName('name')?.text;
  if (fileScoped) parts.unshift(fileScoped);
  return parts.join('.');
}

function rangeOf(node: Node): SiteRange {
  return { startLine: node.startPosition.row, startCharacter: node.startPosition.column, endLine: node.endPosition.row, endCharacter: node.endPosition.column };
}
