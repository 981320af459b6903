// An index of the declarations and event subscriptions in C# source files, built with a real C# parser
// (tree-sitter's C# grammar, run as WebAssembly by web-tree-sitter): types with their namespace and nesting,
// fields, events, properties and methods, and every `x.Event += handler` site. It answers "where is the member
// Ns.Type.name declared?" and "where is this event subscribed to?" for Go to Source when no C# language server
// is there. No vscode values: the extension feeds it file text, tests feed it the fixtures' sources.
import * as fs from 'fs';
import type { Language as TsLanguage, Node as TsNode, Parser as TsParser } from 'web-tree-sitter';
import { typeNesting } from '../snapshots/typeNames';

export type DeclarationKind = 'type' | 'field' | 'event' | 'property' | 'method';

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface Declaration extends SourceLocation {
  kind: DeclarationKind;
  /** "" for the global namespace. */
  namespace: string;
  /** The enclosing types, outermost first; for a type, ending with the type itself. */
  typeNames: string[];
  name: string;
}

export interface Subscription extends SourceLocation {
  /** The member subscribed to: `Bus.Changed += …` → "Changed". */
  member: string;
  /** The source line, trimmed, for a quick pick. */
  text: string;
}

/** Where the two WebAssembly files are: web-tree-sitter's runtime and the C# grammar. */
export interface ParserFiles {
  runtimeWasm: string;
  csharpWasm: string;
}

const TYPE_DECLARATIONS = new Set(['class_declaration', 'struct_declaration', 'record_declaration', 'record_struct_declaration', 'interface_declaration', 'enum_declaration']);

/** Files above this size are skipped: generated code, not where a leak's field is declared. */
const MAX_FILE_BYTES = 2_000_000;

export class CSharpIndex {
  private readonly declarations = new Map<string, Declaration[]>();
  private readonly subscriptions = new Map<string, Subscription[]>();

  private constructor(private readonly parser: TsParser) {}

  /** Loads the parser (once per process) and the C# grammar. */
  static async create(files: ParserFiles): Promise<CSharpIndex> {
    // require, not import(): a bundler resolves import() to the ES module build, which locates its runtime through
    // import.meta.url, undefined in the extension's CommonJS bundle; the CommonJS build uses __dirname instead.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Parser, Language } = require('web-tree-sitter') as typeof import('web-tree-sitter');
    await Parser.init({ locateFile: () => files.runtimeWasm });
    const language: TsLanguage = await Language.load(files.csharpWasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return new CSharpIndex(parser);
  }

  /** Parses `text` as the content of `file`, replacing what was indexed for it. */
  indexText(file: string, text: string): void {
    const tree = this.parser.parse(text);
    if (!tree) return;
    try {
      const declarations: Declaration[] = [];
      const subscriptions: Subscription[] = [];
      const lines = text.split('\n');
      visit(tree.rootNode, { namespace: '', types: [] }, file, lines, declarations, subscriptions);
      this.declarations.set(file, declarations);
      this.subscriptions.set(file, subscriptions);
    } finally {
      tree.delete();
    }
  }

  /**
   * Parses `text` with the index's parser and hands the syntax tree's root to `read`; the tree is freed after.
   * For readers that need more than the index keeps (the code lenses' subscription sites).
   */
  parse<T>(text: string, read: (root: TsNode) => T): T | undefined {
    const tree = this.parser.parse(text);
    if (!tree) return undefined;
    try {
      return read(tree.rootNode);
    } finally {
      tree.delete();
    }
  }

  /** Every declaration named `name` of one kind, in any type of any indexed file. */
  findDeclarations(name: string, kind: DeclarationKind): Declaration[] {
    return [...this.declarations.values()].flat().filter((d) => d.kind === kind && d.name === name);
  }

  /** Reads and indexes a file; false when it is missing, unreadable or too large. */
  indexFile(file: string): boolean {
    try {
      if (fs.statSync(file).size > MAX_FILE_BYTES) return false;
      this.indexText(file, fs.readFileSync(file, 'utf8'));
      return true;
    } catch {
      return false;
    }
  }

  /** indexFile without blocking: the file is read asynchronously (parsing one file is short). */
  async indexFileAsync(file: string): Promise<boolean> {
    try {
      if ((await fs.promises.stat(file)).size > MAX_FILE_BYTES) return false;
      this.indexText(file, await fs.promises.readFile(file, 'utf8'));
      return true;
    } catch {
      return false;
    }
  }

  removeFile(file: string): void {
    this.declarations.delete(file);
    this.subscriptions.delete(file);
  }

  get fileCount(): number {
    return this.declarations.size;
  }

  /**
   * Declarations of `member` in the type ClrMD names `typeName` ("Ns.Outer+Inner", generics allowed). Exact
   * namespace and nesting first; when none match (a type declared in a namespace the name does not show), any
   * type of the same simple name.
   */
  findMember(typeName: string, member: string): Declaration[] {
    const { namespace, names } = typeNesting(typeName);
    const all = [...this.declarations.values()].flat().filter((d) => d.kind !== 'type' && d.name === member);
    const exact = all.filter((d) => d.namespace === namespace && sameNames(d.typeNames, names));
    if (exact.length) return exact;
    return all.filter((d) => d.typeNames[d.typeNames.length - 1] === names[names.length - 1]);
  }

  /** The declaration of a type itself. */
  findType(typeName: string): Declaration[] {
    const { namespace, names } = typeNesting(typeName);
    return [...this.declarations.values()].flat().filter((d) => d.kind === 'type' && d.namespace === namespace && sameNames(d.typeNames, names));
  }

  /** Every `… .member += …` (or `member += …`) site. */
  findSubscriptions(member: string): Subscription[] {
    return [...this.subscriptions.values()]
      .flat()
      .filter((s) => s.member === member)
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  }
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

interface Scope {
  namespace: string;
  types: string[];
}

function location(node: TsNode, file: string): SourceLocation {
  return { file, line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

function joinNamespace(outer: string, inner: string): string {
  return outer ? `${outer}.${inner}` : inner;
}

function visit(node: TsNode, scope: Scope, file: string, lines: string[], declarations: Declaration[], subscriptions: Subscription[]): void {
  let inner = scope;
  switch (node.type) {
    case 'namespace_declaration': {
      const name = node.childForFieldName('name')?.text;
      if (name) inner = { namespace: joinNamespace(scope.namespace, name), types: [] };
      break;
    }
    case 'file_scoped_namespace_declaration': {
      // Everything after it in the file is in this namespace: its siblings, not its children.
      const name = node.childForFieldName('name')?.text;
      if (name) scope.namespace = joinNamespace(scope.namespace, name);
      break;
    }
    case 'field_declaration':
    case 'event_field_declaration': {
      const kind: DeclarationKind = node.type === 'field_declaration' ? 'field' : 'event';
      for (const declarator of node.descendantsOfType('variable_declarator')) {
        // Only this declaration's own variables, not those of a lambda in an initializer.
        if (declarator?.parent?.parent?.id !== node.id) continue;
        const name = declarator.childForFieldName('name');
        if (name) declarations.push({ kind, namespace: scope.namespace, typeNames: scope.types, name: name.text, ...location(name, file) });
      }
      break;
    }
    case 'event_declaration':
    case 'property_declaration':
    case 'method_declaration': {
      const name = node.childForFieldName('name');
      const kind: DeclarationKind = node.type === 'event_declaration' ? 'event' : node.type === 'property_declaration' ? 'property' : 'method';
      if (name) declarations.push({ kind, namespace: scope.namespace, typeNames: scope.types, name: name.text, ...location(name, file) });
      break;
    }
    case 'assignment_expression': {
      const operator = node.childForFieldName('operator')?.text ?? node.children.find((c) => c?.type === '+=')?.text;
      const left = node.childForFieldName('left');
      if (operator === '+=' && left) {
        const target = left.type === 'member_access_expression' ? left.childForFieldName('name') : left.type === 'identifier' ? left : null;
        if (target) {
          const at = location(target, file);
          subscriptions.push({ member: target.text, text: (lines[at.line - 1] ?? '').trim(), ...at });
        }
      }
      break;
    }
    default:
      if (TYPE_DECLARATIONS.has(node.type)) {
        const name = node.childForFieldName('name');
        if (name) {
          const types = [...scope.types, name.text];
          declarations.push({ kind: 'type', namespace: scope.namespace, typeNames: types, name: name.text, ...location(name, file) });
          inner = { namespace: scope.namespace, types };
        }
      }
  }
  // A file-scoped namespace changes `scope` in place for the siblings that follow; children get a copy.
  const childScope = inner === scope ? { namespace: scope.namespace, types: scope.types } : inner;
  for (const child of node.children) if (child) visit(child, childScope, file, lines, declarations, subscriptions);
}
