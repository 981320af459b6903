// The lint step's layering rule (eslint.config.mjs): only the entry points reach up into cli/ and features/, and the
// core imports no vscode values. Checked with ESLint itself on snippets placed, virtually, in each layer.
import * as assert from 'assert';
import * as path from 'path';
import { ESLint } from 'eslint';
import { repoRoot } from '../support/fixtures';

const eslint = new ESLint({ cwd: repoRoot });

/** The messages ESLint gives `code` as if it were the file at `file` (relative to the repository). */
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('lint: layering', function () {
  this.timeout(60_000);

  it('refuses cli/ and features/ below them and in the webview', async () => {
    const up = (depth: string) => `import { checkDumpFile } from '${depth}cli/session';\nimport { figureText } from '${depth}features/insights/insightsTree';\nexport const x = [checkDumpFile, figureText];\n`;
    for (const file of ['src/snapshots/x.ts', 'src/diagnostics/x.ts', 'src/debugAdapter/x.ts']) {
      const messages = await restricted(file, up('../'));
      assert.strictEqual(messages.length, 2, `${file}: ${messages.join(' | ')}`);
      assert.match(messages[0], /Only the CLI imports cli\//);
      assert.match(messages[1], /Only src\/extension\.ts wires features\//);
    }
    assert.strictEqual((await restricted('src/webview/summary/x.ts', up('../../'))).length, 2);
    assert.deepStrictEqual(
      (await restricted('src/features/log/x.ts', `import { renderPath } from '../../cli/retentionText';\nexport const z = renderPath;\n`)).map((m) => /cli\//.test(m)),
      [true],
    );
    assert.strictEqual((await restricted('src/cli/x.ts', `import { HeapCapture } from '../features/capture/captureHeap';\nexport const y = HeapCapture;\n`)).length, 1);
  });

  it('lets the entry points wire them, and a layer use its own modules', async () => {
    assert.deepStrictEqual(await restricted('src/extension.ts', `import { registerLog } from './features/log/register';\nexport const a = registerLog;\n`), []);
    assert.deepStrictEqual(await restricted('src/cli/x.ts', `import { renderPath } from './retentionText';\nexport const b = renderPath;\n`), []);
    assert.deepStrictEqual(await restricted('src/features/log/x.ts', `import { errorMessage } from '../services';\nexport const c = errorMessage;\n`), []);
  });

  it('keeps vscode values out of the core', async () => {
    const messages = await restricted('src/snapshots/x.ts', `import * as vscode from 'vscode';\nexport const d = vscode.window;\n`);
    assert.strictEqual(messages.length, 1);
    assert.match(messages[0], /The core runs without VS Code/);
  });
});
