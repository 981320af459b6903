// Builds the C# analysis agent into dist/agent (framework-dependent; runs on any installed .NET 8+ runtime), stamped
// with package.json's version: the extension and the CLI refuse an agent of another version.
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const project = path.join(root, 'agent', 'HeapLens.Agent', 'HeapLens.Agent.csproj');
const out = path.join(root, 'dist', 'agent');
const { version } = require(path.join(root, 'package.json'));

execFileSync('dotnet', ['publish', project, '-c', 'Release', '-o', out, '--nologo', '-v', 'q', '-p:UseAppHost=false', `-p:Version=${version}`], {
  stdio: 'inherit',
  env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
});
