// The agent and its caller come from one build: the agent reports package.json's version (stamped in by
// scripts/build-agent.js), and a caller expecting another refuses it before any request, with a message that says so.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AgentClient, AgentError } from '../../src/agent/agentClient';
import { repoRoot } from '../support/fixtures';

const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('agent: its version is HeapLens’s, and a caller refuses another', function () {
  let agent: AgentClient | undefined;
  afterEach(async () => {
    await agent?.dispose();
    agent = undefined;
  });

  it('reports package.json’s version', async function () {
    agent = AgentClient.start();
    assert.strictEqual(await agent.version(), version);
  });

  it('an agent of another version is refused before any request, and stopped', async function () {
    agent = AgentClient.start({ expectedVersion: '99.0.0' });
    await assert.rejects(agent.open({ path: path.join(repoRoot, 'package.json') }), (err: unknown) => {
      assert.ok(err instanceof AgentError);
      assert.match(err.message, new RegExp(`is version ${version.replace(/\./g, '\\.')}, but this HeapLens is version 99\\.0\\.0`));
      assert.match(err.message, /Reinstall HeapLens/);
      return true;
    });
    assert.strictEqual(agent.isAlive, false);
  });
});
