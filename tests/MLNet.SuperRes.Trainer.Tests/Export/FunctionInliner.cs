using Onnx;

namespace MLNet.SuperRes.Trainer.Tests.Export;

/// <summary>
/// Replaces each call of a model-local function by the function's nodes, their values renamed after the call,
/// so that tests can read values inside the function (the attention's scores and weights) as graph outputs.
/// </summary>
internal static class FunctionInliner
{
    public static ModelProto Inline(ModelProto model)
    {
        var inlined = model.Clone();
        var functions = inlined.Functions.ToDictionary(f => (f.Domain, f.Name));
        var nodes = inlined.Graph.Node.ToList();
        inlined.Graph.Node.Clear();
        foreach (var node in nodes)
        {
            if (!functions.TryGetValue((node.Domain, node.OpType), out var function))
            {
                inlined.Graph.Node.Add(node);
                continue;
            }
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < function.Input.Count; i++) names[function.Input[i]] = node.Input[i];
            for (int i = 0; i < function.Output.Count; i++) names[function.Output[i]] = node.Output[i];
            string prefix = node.Output[0] + "/";
            foreach (var inner in function.Node)
            {
                var copy = inner.Clone();
                Rename(copy, names, prefix);
                inlined.Graph.Node.Add(copy);
            }
        }
        inlined.Functions.Clear();
        return inlined;
    }

    private static void Rename(NodeProto node, Dictionary<string, string> names, string prefix)
    {
        string Map(string name) => name.Length == 0 ? name : names.TryGetValue(name, out var mapped) ? mapped : names[name] = prefix + name;
        node.Name = prefix + node.Name;
        for (int i = 0; i < node.Input.Count; i++) node.Input[i] = Map(node.Input[i]);
        for (int i = 0; i < node.Output.Count; i++) node.Output[i] = Map(node.Output[i]);
        foreach (var attribute in node.Attribute.Where(a => a.G is not null))
        {
            var graph = attribute.G;
            foreach (var value in graph.Input.Concat(graph.Output)) value.Name = Map(value.Name);
            foreach (var initializer in graph.Initializer) initializer.Name = Map(initializer.Name);
            foreach (var inner in graph.Node) Rename(inner, names, prefix);
        }
    }
}
