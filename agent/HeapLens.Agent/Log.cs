// The agent's log: stderr only, because stdout carries nothing but JSON-RPC frames.
namespace HeapLens.Agent;

public static class Log
{
    private static readonly object Gate = new();

    public static void Info(string message) => Write("info", message);

    public static void Warn(string message) => Write("warn", message);

    /// <summary>Full detail (stack traces) goes here, never to the user.</summary>
    public static void Error(string message, Exception? ex = null) => Write("error", ex is null ? message : $"{message}\n{ex}");

    private static void Write(string level, string message)
    {
        lock (Gate)
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {level} {message}");
        }
    }
}
