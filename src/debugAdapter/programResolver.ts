// Turns a launch configuration's `program` into the .dll to run: a .dll as it is, a .csproj or a project folder
// after a `dotnet build`. Every way this can fail names the path and says what to put in launch.json instead.
import * as fs from 'fs';
import * as path from 'path';
import { Cancellation } from '../common/async';
import { AdapterErrorId } from '../protocol/dap';
import { buildProject, OutputSink, projectOutput } from './dotnetBuild';
import { UserError } from './userError';

export interface ResolvedProgram {
  dll: string;
  /** The project folder when the program was a project (the default working directory). */
  projectDir?: string;
}

export async function resolveProgram(dotnet: string, program: string, onOutput: OutputSink, cancellation?: Cancellation): Promise<ResolvedProgram> {
  const full = path.resolve(program);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch {
    throw new UserError(AdapterErrorId.ProgramNotFound, `The program ${full} does not exist. Set "program" in launch.json to a .dll, a .csproj or a project folder.`);
  }
  let project: string | undefined;
  if (stat.isDirectory()) project = findProject(full);
  else if (/\.(cs|fs|vb)proj$/i.test(full)) project = full;
  else if (full.endsWith('.dll')) return { dll: full };
  else if (fs.existsSync(`${full}.dll`)) return { dll: `${full}.dll` }; // an apphost: run its .dll through dotnet
  else throw new UserError(AdapterErrorId.ProgramNotFound, `${full} is not a .dll, a project or a project folder. Set "program" in launch.json to one of those.`);

  await buildProject(dotnet, project, onOutput, cancellation);
  const dll = await projectOutput(dotnet, project);
  if (!fs.existsSync(dll)) throw new UserError(AdapterErrorId.ProgramNotFound, `The build of ${path.basename(project)} succeeded but ${dll} is missing. Set "program" to the .dll it produces.`);
  return { dll, projectDir: path.dirname(project) };
}

function findProject(dir: string): string {
  const projects = fs.readdirSync(dir).filter((name) => /\.(cs|fs|vb)proj$/i.test(name));
  if (projects.length === 1) return path.join(dir, projects[0]);
  if (projects.length === 0) throw new UserError(AdapterErrorId.ProgramNotFound, `The folder ${dir} holds no project file. Set "program" to a .csproj or a .dll.`);
  throw new UserError(AdapterErrorId.ProgramNotFound, `The folder ${dir} holds several projects (${projects.join(', ')}). Set "program" to the one to run.`);
}
