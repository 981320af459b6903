// The HeapLens analysis agent: opens .NET core dumps with ClrMD and answers JSON-RPC 2.0 on stdin/stdout
// (Content-Length framing; contract: src/protocol/agent.ts). stdout carries frames only; logs go to stderr.
using HeapLens.Agent;
using HeapLens.Agent.Rpc;

Console.OutputEncoding = new System.Text.UTF8Encoding(false);
// Nothing may write text to stdout behind the framing's back.
Stream stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error);
Stream stdin = new BufferedStream(Console.OpenStandardInput(), 64 * 1024);

AppDomain.CurrentDomain.UnhandledException += (_, e) => Log.Error("Unhandled exception; the agent stops.", e.ExceptionObject as Exception);
Log.Info($"HeapLens agent {ProductVersion.Current} on .NET {Environment.Version}, pid {Environment.ProcessId}");

var service = new AgentService();
var server = new RpcServer(stdin, stdout, service.Handlers);
service.Notify = server.Notify;
await server.RunAsync();
// Index caches being written are finished or stopped (each close waits a bounded time), so no temporary file stays.
await Task.WhenAny(service.ShutdownAsync(), Task.Delay(TimeSpan.FromSeconds(40)));
// In-flight requests are abandoned: the process is going away, and with it every open dump.
Environment.Exit(0);
