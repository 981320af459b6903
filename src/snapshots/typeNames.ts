// Reading .NET type and member names as ClrMD prints them ("Ns.Outer+Inner", "System.Collections.Generic.List<Ns.T>",
// "Ns.Type.field"): the short name people recognise, the namespace to group by, a member's owner. Dots inside
// generic arguments or array brackets never split a name.

/** Index of the last top-level occurrence of `ch` (outside <…> and […]), or -1. */
function lastTopLevel(name: string, ch: string): number {
  let depth = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name[i];
    if (c === '>' || c === ']') depth++;
    else if (c === '<' || c === '[') depth--;
    else if (depth === 0 && c === ch) return i;
  }
  return -1;
}

/** Where the generic arguments or array brackets start, or the name's length. */
function suffixStart(name: string): number {
  const angle = name.indexOf('<');
  const bracket = name.indexOf('[');
  const cut = [angle, bracket].filter((i) => i >= 0);
  return cut.length ? Math.min(...cut) : name.length;
}

/** "Events.Publisher" → "Events"; "System.Byte[]" → "System"; "Foo" → "" (the global namespace). */
export function namespaceOf(typeName: string): string {
  const head = typeName.slice(0, suffixStart(typeName));
  const dot = head.lastIndexOf('.');
  return dot < 0 ? '' : head.slice(0, dot);
}

/** Drops namespaces, also inside generic arguments: "System.Collections.Generic.List<Ns.T>" → "List<T>". */
export function shortTypeName(typeName: string): string {
  return typeName.replace(/(?:[A-Za-z_][\w`]*\.)+(?=[A-Za-z_<][\w`]*)/g, '');
}

/** The type name without generic arguments or array brackets: "List<T>" → "List", "Byte[]" → "Byte". */
export function bareTypeName(typeName: string): string {
  return typeName.slice(0, suffixStart(typeName));
}

/** "Events.Program.Bus" → { owner: "Events.Program", member: "Bus" }; "Ns.Outer+Inner.f" keeps "Ns.Outer+Inner". */
export function splitMember(qualified: string): { owner: string; member: string } {
  const dot = lastTopLevel(qualified, '.');
  if (dot < 0) return { owner: '', member: qualified };
  return { owner: qualified.slice(0, dot), member: qualified.slice(dot + 1) };
}

/** "Chain.Program.Main" → "Program.Main": the method with its type, no namespace. */
export function shortMemberName(qualified: string): string {
  const { owner, member } = splitMember(qualified);
  return owner ? `${shortTypeName(owner)}.${member}` : member;
}

/**
 * The name a field has in source: the compiler names an auto-property's field "<Name>k__BackingField" and keeps
 * an event's field under the event's name.
 */
export function sourceFieldName(field: string): string {
  const backing = /^<(.+)>k__BackingField$/.exec(field);
  return backing ? backing[1] : field;
}

/** True for a path step through an array slot ("[3]") rather than a named field. */
export function isArraySlot(field: string): boolean {
  return field.startsWith('[');
}

/** The type's own simple name and its enclosing types: "Ns.Outer+Inner" → ["Outer", "Inner"]; generics dropped. */
export function typeNesting(typeName: string): { namespace: string; names: string[] } {
  const bare = bareTypeName(typeName);
  const dot = bare.lastIndexOf('.');
  const namespace = dot < 0 ? '' : bare.slice(0, dot);
  const names = bare
    .slice(dot + 1)
    .split('+')
    .map((n) => n.replace(/`\d+$/, ''));
  return { namespace, names };
}
