// Proposes heaplens launch configurations: one per .csproj in the workspace folder (and an attach), and fills in a
// configuration when F5 is pressed with no launch.json. Checking the fields is the adapter's job, so the same errors
// appear in every client.
import * as path from 'path';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../protocol/dap';
import { PICK_PROCESS_VARIABLE } from './ids';

const MAX_PROJECTS = 20;
const PROJECT_GLOB = '**/*.csproj';
const EXCLUDE_GLOB = '**/{bin,obj,node_modules,.git}/**';

export class HeapLensConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined, token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration[]> {
    const projects = folder ? await findProjects(folder, token) : [];
    return [...projects.map((p) => launchConfiguration(folder!, p)), attachConfiguration()];
  }

  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
    token?: vscode.CancellationToken,
  ): Promise<vscode.DebugConfiguration | undefined> {
    // F5 with no launch.json: an empty configuration. Launch the project of the open file, else the folder's only one.
    if (!config.type && !config.request && !config.name) {
      const project = folder ? await projectToLaunch(folder, token) : undefined;
      if (!project) {
        void vscode.window.showErrorMessage('HeapLens found no single .csproj to launch. Add a "heaplens" configuration to launch.json (program, processId or dumpPath).');
        return undefined;
      }
      return launchConfiguration(folder!, project);
    }
    return config;
  }
}

async function findProjects(folder: vscode.WorkspaceFolder, token?: vscode.CancellationToken): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, PROJECT_GLOB), EXCLUDE_GLOB, MAX_PROJECTS, token);
  return found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

async function projectToLaunch(folder: vscode.WorkspaceFolder, token?: vscode.CancellationToken): Promise<vscode.Uri | undefined> {
  const projects = await findProjects(folder, token);
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  if (active) {
    // The project whose folder holds the open file, the deepest one if they nest.
    const owning = projects.filter((p) => active.startsWith(path.dirname(p.fsPath) + path.sep)).sort((a, b) => b.fsPath.length - a.fsPath.length)[0];
    if (owning) return owning;
  }
  return projects.length === 1 ? projects[0] : undefined;
}

function launchConfiguration(folder: vscode.WorkspaceFolder, project: vscode.Uri): vscode.DebugConfiguration {
  const relative = path.relative(folder.uri.fsPath, project.fsPath).split(path.sep).join('/');
  const dir = path.posix.dirname(relative);
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `HeapLens: ${path.basename(project.fsPath, '.csproj')}`,
    program: `\${workspaceFolder}/${relative}`,
    cwd: dir === '.' ? '${workspaceFolder}' : `\${workspaceFolder}/${dir}`,
    console: 'internalConsole',
  };
}

function attachConfiguration(): vscode.DebugConfiguration {
  return { type: DEBUG_TYPE, request: 'attach', name: 'HeapLens: attach to a .NET process', processId: `\${command:${PICK_PROCESS_VARIABLE}}` };
}
