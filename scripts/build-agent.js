// Builds the C# analysis agent into dist/agent (framework-dependent; runs on any installed .NET 8+ runtime).
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const project = path.join(root, 'agent', 'HeapLens.Agent', 'HeapLens.Agent.csproj');
const out = path.join(root, 'dist', 'agent');

execFileSync('dotnet', ['publish', project, '-c', 'Release', '-o', out, '--nologo', '-v', 'q', '-p:UseAppHost=false'], {
  stdio: 'inherit',
  env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
});
