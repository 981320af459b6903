// dynamic-assemblies: assemblies generated at run time (System.Reflection.Emit). Each stays loaded for the life of
// the process unless it was made collectible, so code that generates one per call leaks: the classic case is
// `new XmlSerializer(type, new XmlRootAttribute(...))` (and the other constructors that take overrides), which
// generate a new serialization assembly on every call instead of reusing the cached one.
namespace HeapLens.Agent.Insights;

public static class DynamicAssemblyInsights
{
    public static IEnumerable<Insight> Find(SnapshotFacts facts, SnapshotFacts? baseline)
    {
        ModuleCounts now = facts.Modules;
        ModuleCounts? before = baseline?.Modules;
        long growth = before is null ? 0 : now.Dynamic - before.Dynamic;
        if (now.Dynamic == 0 && growth <= 0) yield break;

        bool warning = before is null ? now.Dynamic >= InsightThresholds.DynamicWarnCount : growth >= InsightThresholds.DynamicWarnGrowth;
        string title = before is null
            ? $"{Wording.Count(now.Dynamic, "dynamic assembly", "dynamic assemblies")} generated at run time ({Wording.Count(now.Assemblies)} assemblies loaded)"
            : growth > 0
                ? $"{Wording.Count(growth, "more dynamic assembly", "more dynamic assemblies")} than in the baseline: {Wording.Count(now.Dynamic)} now"
                : $"{Wording.Count(now.Dynamic, "dynamic assembly", "dynamic assemblies")}, as many as in the baseline";
        string detail =
            $"{Wording.Count(now.Assemblies, "assembly", "assemblies")} are loaded, {Wording.Count(now.Dynamic)} of them generated at run time"
            + (before is null ? ". " : $" ({Wording.Count(before.Dynamic)} in the baseline, {(growth >= 0 ? "+" : "")}{Wording.Count(growth)}). ")
            + "A generated assembly, its types and their code stay loaded until the process ends unless it was created collectible, so "
            + "a count that grows with the work done is a leak. The usual cause is XmlSerializer: the constructors that take an "
            + "XmlRootAttribute, XmlAttributeOverrides or extra types generate a new assembly on every call. Create such a serializer "
            + "once and keep it (a static field, or a dictionary keyed by type and root name); only new XmlSerializer(typeof(T)) and "
            + "new XmlSerializer(typeof(T), defaultNamespace) are cached by the framework. Other generators (Reflection.Emit, "
            + "expression trees compiled per call, scripting engines) need the same caching, or AssemblyBuilderAccess.RunAndCollect.";
        var figures = new Figures()
            .Add("assemblies", now.Assemblies)
            .Add("dynamicAssemblies", now.Dynamic);
        if (before is not null) figures.Add("dynamicBefore", before.Dynamic).Add("dynamicGrowth", growth);
        yield return new Insight(InsightKind.DynamicAssemblies, warning ? Severity.Warning : Severity.Info, title, detail, figures.Build(), Array.Empty<InsightLocation>());
    }
}
