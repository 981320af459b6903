// The heaplens debug session: translates the Debug Adapter Protocol to the engine (engine.ts) and back.
// Runs standalone (main.ts: stdio or --server=PORT) or inline in the extension host (src/debug/).
// Every failure a user can cause answers with an error response that has showUser set and says what to do.
import { Event, ExitedEvent, InitializedEvent, Logger, logger, LoggingDebugSession, OutputEvent, Scope, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Handles } from '@vscode/debugadapter';
import * as os from 'os';
import type { AgentHost } from '../agent/agentHost';
import { Logger as CoreLogger } from '../common/logger';
import { AdapterErrorId, AttachConfiguration, CaptureHeapArguments, CustomEvents, CustomRequests, LaunchConfiguration } from '../protocol/dap';
import { DebugEngine, StopInfo } from './engine';
import { HeapVariables } from './heapVariables';
import { RunInTerminal, TerminalResult } from './launcher';
import { formatStackTrace, framesOf, toStackFrame, toThread } from './stackFrames';
import { UserError } from './userError';

type LaunchRequestArguments = DebugProtocol.LaunchRequestArguments & LaunchConfiguration;
/** What arrives may lack anything launch.json left out; the engine checks it. */
type AttachRequestArguments = DebugProtocol.AttachRequestArguments & Partial<AttachConfiguration>;

/** How long launch waits for the client's configurationDone before it goes on without it. */
const CONFIGURATION_DONE_TIMEOUT_MS = 5000;
const RUN_IN_TERMINAL_TIMEOUT_MS = 15_000;

export class HeapLensDebugSession extends LoggingDebugSession {
  private readonly engine: DebugEngine;
  private readonly heap: HeapVariables;
  private frames = new Handles<{ threadId: number; index: number }>();
  private clientSupportsTerminal = false;
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  private terminatedSent = false;

  /** `agentHost`: the extension's, when the adapter runs inline; a standalone adapter starts its own. */
  constructor(options: { agentHost?: AgentHost } = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.engine = new DebugEngine({ logger: adapterLogger, agentHost: options.agentHost });
    this.heap = new HeapVariables(this.engine);
    this.engine.on('output', (text, category) => this.sendEvent(new OutputEvent(text, category)));
    this.engine.on('snapshot', (body) => this.sendEvent(new Event(CustomEvents.snapshot.event, body)));
    this.engine.on('exited', (status) => {
      if (status.code !== undefined) this.sendEvent(new ExitedEvent(status.code));
      else if (status.signal) this.sendEvent(new ExitedEvent(128 + signalNumber(status.signal)));
      this.sendTerminated();
    });
  }

  // ---- set-up -----------------------------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsTerminal = args.supportsRunInTerminalRequest === true;
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
      supportsExceptionInfoRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsEvaluateForHovers: false,
      supportsSetVariable: false,
      supportsRestartRequest: false,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse, args: DebugProtocol.ConfigurationDoneArguments): void {
    super.configurationDoneRequest(response, args);
    this.configurationDone();
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, given: LaunchRequestArguments | undefined): void {
    const args = given ?? {};
    this.setupLogging(args.trace);
    void this.respond(response, async () => {
      const runInTerminal = this.clientSupportsTerminal ? this.runInTerminal : undefined;
      if (args.console === 'integratedTerminal' && !runInTerminal) {
        this.sendEvent(new OutputEvent('This client cannot run programs in a terminal; the program runs with its output here instead.\n', 'important'));
      }
      const stop = await this.engine.launch(args, runInTerminal);
      this.sendProcessEvent('launch');
      // A dump stands stopped; the protocol wants that stop after configurationDone.
      if (stop) return () => void withTimeout(this.configured, CONFIGURATION_DONE_TIMEOUT_MS).then(() => this.reportStop(stop));
    });
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse, given: AttachRequestArguments | undefined): void {
    const args = given ?? {};
    this.setupLogging(args.trace);
    void this.respond(response, async () => {
      await this.engine.attach(args);
      this.sendProcessEvent('attach');
    });
  }

  /** Tells the client which process it debugs (VS Code shows it; tests and the extension read the pid from it). */
  private sendProcessEvent(startMethod: 'launch' | 'attach'): void {
    const pid = this.engine.processId;
    if (pid === undefined) return;
    const body: DebugProtocol.ProcessEvent['body'] = { name: this.engine.processName ?? `process ${pid}`, systemProcessId: pid, isLocalProcess: true, startMethod };
    this.sendEvent(new Event('process', body));
  }

  private readonly runInTerminal: RunInTerminal = (args) =>
    new Promise<TerminalResult>((resolve, reject) => {
      this.runInTerminalRequest({ kind: 'integrated', ...args }, RUN_IN_TERMINAL_TIMEOUT_MS, (reply) => {
        if (reply.success) resolve(reply.body ?? {});
        else reject(new Error(reply.message ?? 'runInTerminal failed'));
      });
    });

  // ---- running and stopping ---------------------------------------------------------------------------------------

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    void this.respond(response, async () => {
      const stop = await this.engine.pause();
      return () => this.reportStop(stop);
    });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    void this.respond(response, async () => {
      this.forgetStop();
      await this.engine.resume();
      response.body = { allThreadsContinued: true };
    });
  }

  private reportStop(stop: StopInfo): void {
    this.forgetStop();
    const event: DebugProtocol.StoppedEvent = new StoppedEvent(stop.reason, stop.threadId, stop.description);
    event.body.allThreadsStopped = true;
    if (stop.description) event.body.description = stop.reason === 'exception' ? `Exception: ${stop.description}` : stop.description;
    this.sendEvent(event);
  }

  private forgetStop(): void {
    this.frames.reset();
    this.heap.reset();
  }

  // ---- threads, stacks, exceptions --------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.engine.threads().map(toThread) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const thread = this.engine.thread(args.threadId);
    const frames = thread ? framesOf(thread) : [];
    const start = args.startFrame ?? 0;
    const end = args.levels ? start + args.levels : frames.length;
    response.body = {
      stackFrames: frames
        .slice(start, end)
        .map((frame, i) => toStackFrame(this.frames.create({ threadId: args.threadId, index: start + i }), frame, (line) => this.convertDebuggerLineToClient(line))),
      totalFrames: frames.length,
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const exception = this.engine.thread(args.threadId)?.exception;
    if (!exception) {
      this.sendUserError(response, new UserError(AdapterErrorId.NotStopped, `Thread ${args.threadId} is not throwing an exception in this snapshot.`));
      return;
    }
    response.body = {
      exceptionId: exception.type,
      description: exception.message,
      breakMode: this.engine.isPostMortem ? 'unhandled' : 'always',
      details: {
        message: exception.message,
        typeName: exception.type.split('.').pop(),
        fullTypeName: exception.type,
        stackTrace: formatStackTrace(exception.frames),
      },
    };
    this.sendResponse(response);
  }

  // ---- the heap ---------------------------------------------------------------------------------------------------

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const scopes: DebugProtocol.Scope[] = [];
    if (this.engine.isStopped) {
      const heap: DebugProtocol.Scope = new Scope('Heap', this.heap.scopeReference(), false);
      heap.presentationHint = 'heap';
      scopes.push(heap);
    }
    response.body = { scopes };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    void this.respond(response, async () => {
      response.body = { variables: await this.heap.variables(args) };
    });
  }

  /**
   * The Debug Console's input line goes to the program's stdin: HeapLens evaluates no expressions, and a program
   * launched in the internal console has no other way to be typed to.
   */
  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    if (args.context !== 'repl') {
      // Watch and clipboard evaluations fail quietly: the answer shows where the expression is, no dialog.
      this.sendErrorResponse(response, { id: AdapterErrorId.NotStopped, format: 'HeapLens does not evaluate expressions: expand the Heap scope to look at objects.', showUser: false });
      return;
    }
    void this.respond(response, async () => {
      this.engine.sendInput(args.expression);
      response.body = { result: this.engine.isStopped ? 'sent to the program (it reads it when it continues)' : 'sent to the program', variablesReference: 0 };
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === CustomRequests.captureHeap.command) {
      const { path, collect } = (args as CaptureHeapArguments | undefined) ?? {};
      void this.respond(response, async () => {
        response.body = await this.engine.capture(path, collect !== false);
      });
      return;
    }
    super.customRequest(command, response, args);
  }

  // ---- ending -----------------------------------------------------------------------------------------------------

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    void this.respond(response, async () => {
      await this.engine.terminate();
      return () => this.sendTerminated();
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    void (async () => {
      try {
        await this.engine.end(args?.terminateDebuggee);
      } finally {
        await this.engine.dispose();
        this.sendResponse(response);
        this.shutdown();
      }
    })();
  }

  /** Inline (in the extension host) VS Code disposes the adapter when the session ends. */
  override dispose(): void {
    void this.engine.dispose();
    super.dispose();
  }

  private sendTerminated(): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.sendEvent(new TerminatedEvent());
  }

  // ---- plumbing ---------------------------------------------------------------------------------------------------

  /**
   * Runs a request's work and sends its response: success, or an error the user is shown. The work may return
   * what must follow the response (a stopped event after the pause response).
   */
  private async respond(response: DebugProtocol.Response, work: () => Promise<(() => void) | void>): Promise<void> {
    let followUp: (() => void) | void;
    try {
      followUp = await work();
    } catch (err) {
      this.sendUserError(response, err);
      return;
    }
    this.sendResponse(response);
    followUp?.();
  }

  private sendUserError(response: DebugProtocol.Response, err: unknown): void {
    const error =
      err instanceof UserError
        ? err
        : new UserError(AdapterErrorId.Internal, `HeapLens hit an unexpected error: ${(err as Error)?.message ?? String(err)}. The Debug Console may say more.`);
    if (!(err instanceof UserError)) logger.error(`${(err as Error)?.stack ?? String(err)}`);
    // The message goes as the format itself (no variables), so braces in paths are shown as they are.
    this.sendErrorResponse(response, { id: error.id, format: error.message, showUser: true });
  }

  private setupLogging(trace: boolean | undefined): void {
    logger.setup(trace ? Logger.LogLevel.Verbose : Logger.LogLevel.Stop, false);
  }
}

/** The core's logging seam, written to the adapter's log (shown in the Debug Console with "trace": true). */
const adapterLogger: CoreLogger = {
  info: (m) => logger.log(m),
  warn: (m) => logger.warn(m),
  error: (m) => logger.error(m),
  trace: (m) => logger.verbose(m),
};

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function signalNumber(signal: string): number {
  return (os.constants.signals as Record<string, number>)[signal] ?? 0;
}
