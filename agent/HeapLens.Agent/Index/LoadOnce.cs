// A value read on first need by a loader that may throw (the index cache's per-object sections): thread-safe, the
// loader dropped once it has given its value, and tried again by the next caller after a failure (a cancelled read).
namespace HeapLens.Agent.Index;

public sealed class LoadOnce<T>
    where T : class
{
    private readonly object _loading = new();
    private Func<T>? _load;
    private T? _value;

    /// <summary>A value that is there already (built, not read).</summary>
    public LoadOnce(T value) => _value = value;

    public LoadOnce(Func<T> load) => _load = load;

    public bool IsLoaded => _value is not null;

    public T Value => _value ?? Load();

    private T Load()
    {
        lock (_loading)
        {
            if (_value is null)
            {
                _value = _load!();
                _load = null;
            }
            return _value;
        }
    }
}
