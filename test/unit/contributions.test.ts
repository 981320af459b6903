// package.json and src/constants.ts must agree: every command, view and setting HeapLens uses is contributed, every
// contributed one is used, menus name known commands, `when` clauses use context keys the code sets, icons exist.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BUILTIN_CAPTURE_DEBUG_TYPES, Commands, ContextKeys, Settings, Views } from '../../src/constants';
import { PICK_PROCESS_COMMAND } from '../../src/debug/ids';
import { repoRoot } from '../support/fixtures';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; icon?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    viewsContainers: { activitybar: Array<{ id: string; icon: string }> };
    views: Record<string, Array<{ id: string; name: string }>>;
    viewsWelcome: Array<{ view: string; contents: string }>;
    keybindings: Array<{ command: string; key: string; when?: string }>;
    configuration: { properties: Record<string, { default: unknown }> };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const ours = Object.values(Commands) as string[];
/** Commands other features contribute (the debugger's process picker). */
const others = [PICK_PROCESS_COMMAND];

describe('package.json contributions', () => {
  it('contributes exactly the commands in src/constants.ts, each with a title', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).filter((c) => !others.includes(c));
    assert.deepStrictEqual([...contributed].sort(), [...ours].sort());
    for (const c of manifest.contributes.commands) assert.ok(c.title.trim(), `${c.command} has a title`);
  });

  it('puts Capture Heap in the debug toolbar for the debug types in the context key, with an icon', () => {
    const toolbar = manifest.contributes.menus['debug/toolBar'] ?? [];
    assert.deepStrictEqual(toolbar.map((m) => [m.command, m.when]), [[Commands.CaptureHeap, `debugType in ${ContextKeys.CaptureDebugTypes}`]]);
    assert.match(manifest.contributes.commands.find((c) => c.command === Commands.CaptureHeap)?.icon ?? '', /^\$\([\w-]+\)$/);
    assert.deepStrictEqual(BUILTIN_CAPTURE_DEBUG_TYPES, ['heaplens', 'coreclr', 'clr']);
    assert.ok(manifest.activationEvents.includes('onDebug'), 'activates when a debug session starts, so the button can show');
  });

  it('menus name contributed commands; `when` clauses use known views and context keys', () => {
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    const views = new Set(Object.values(Views) as string[]);
    const keys = new Set(Object.values(ContextKeys) as string[]);
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) {
        assert.ok(commands.has(item.command), `${menu} names unknown command ${item.command}`);
        for (const view of item.when?.match(/view == ([\w.]+)/g) ?? []) assert.ok(views.has(view.slice('view == '.length)), `${menu}: ${view}`);
        for (const key of item.when?.match(/heaplens\.[A-Za-z]+/g) ?? []) {
          if (!views.has(key)) assert.ok(keys.has(key), `${menu} uses context key ${key}, which the code never sets`);
        }
      }
    }
  });

  it('binds Capture Heap to a key while a .NET session is debugged', () => {
    const binding = manifest.contributes.keybindings.find((k) => k.command === Commands.CaptureHeap);
    assert.ok(binding, 'Capture Heap has a key');
    assert.ok(binding.when?.includes(`debugType in ${ContextKeys.CaptureDebugTypes}`), binding.when);
    for (const k of manifest.contributes.keybindings) assert.ok(ours.includes(k.command), `keybinding for unknown ${k.command}`);
  });

  it('has the HeapLens container with its icon and the six views', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === Views.Container);
    assert.ok(container && fs.existsSync(path.join(repoRoot, container.icon)), 'the container icon exists');
    assert.deepStrictEqual(
      manifest.contributes.views[Views.Container].map((v) => v.id),
      [Views.Snapshots, Views.HeapTypes, Views.RetentionPaths, Views.Insights, Views.Dominators, Views.Memory],
    );
    for (const welcome of manifest.contributes.viewsWelcome) {
      for (const link of welcome.contents.match(/command:([\w.]+)/g) ?? []) assert.ok(ours.includes(link.slice('command:'.length)), link);
    }
  });

  it('declares every setting the code reads', () => {
    const declared = Object.keys(manifest.contributes.configuration.properties).sort();
    const read = (Object.entries(Settings) as Array<[string, string]>).filter(([k]) => k !== 'Section').map(([, v]) => `${Settings.Section}.${v}`);
    assert.deepStrictEqual(declared, read.sort());
  });
});
