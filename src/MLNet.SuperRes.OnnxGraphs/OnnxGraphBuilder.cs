using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace MLNet.SuperRes.OnnxGraphs;

/// <summary>
/// Writes an ONNX graph node by node. Value names are derived from the module path that produced
/// them and kept unique across the graph and its subgraphs (ONNX forbids shadowing outer names).
/// Weights live in the root graph's initializers. Constants live in the initializers of the graph
/// that uses them: ONNX Runtime warns about, and drops, outer initializers read only by subgraphs.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>How the names of the graph's own constants start, so that readers tell them from weights.</summary>
    public const string ConstantPrefix = "const_";

    private readonly HashSet<string> usedNames;
    private readonly OnnxGraphBuilder? root;
    private readonly Dictionary<string, string> constants;
    private readonly List<FunctionProto> functions = [];

    public GraphProto Graph { get; }

    /// <summary>The model-local functions the graph calls (<see cref="Call"/>), each once, for the model to carry.</summary>
    public IReadOnlyList<FunctionProto> Functions => (root ?? this).functions;

    public OnnxGraphBuilder(string graphName)
    {
        Graph = new GraphProto { Name = graphName };
        usedNames = new HashSet<string>(StringComparer.Ordinal);
        constants = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private OnnxGraphBuilder(string graphName, OnnxGraphBuilder parent)
    {
        Graph = new GraphProto { Name = graphName };
        root = parent.root ?? parent;
        usedNames = root.usedNames;
        constants = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private GraphProto InitializerGraph => (root ?? this).Graph;

    /// <summary>A builder for a subgraph (If/Loop body) that may read every value of this graph.</summary>
    public OnnxGraphBuilder Subgraph(string graphName) => new(UniqueName(graphName), this);

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        if (usedNames.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            var candidate = $"{hint}_{i}";
            if (usedNames.Add(candidate)) return candidate;
        }
    }

    /// <summary>Reserves a name that must be used verbatim (graph inputs and outputs).</summary>
    public void ReserveName(string name)
    {
        if (!usedNames.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is already used.");
    }

    /// <summary>Adds a node with one output named after <paramref name="outputHint"/> and returns that name.</summary>
    public string Node(string opType, string outputHint, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Node(opType, new[] { outputHint }, inputs, attributes)[0];

    /// <summary>Adds a node whose one output is named exactly <paramref name="output"/> (a name readers rely on).</summary>
    public string NodeNamed(string opType, string output, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        ReserveName(output);
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{output}/{opType}") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node with several outputs, named after <paramref name="outputHints"/>, and returns their names.</summary>
    public string[] Node(string opType, IReadOnlyList<string> outputHints, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var outputs = outputHints.Select(UniqueName).ToArray();
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{outputs[0]}/{opType}") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Adds a node calling <paramref name="function"/> (in its domain) with one output; returns the output's name.</summary>
    public string Call(FunctionProto function, string outputHint, IEnumerable<string> inputs)
    {
        var output = UniqueName(outputHint);
        var node = new NodeProto { OpType = function.Name, Domain = function.Domain, Name = UniqueName($"{output}/{function.Name}") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        Graph.Node.Add(node);
        var owner = (root ?? this).functions;
        if (!owner.Any(f => f.Domain == function.Domain && f.Name == function.Name)) owner.Add(function);
        return output;
    }

    /// <summary>
    /// This graph as a model-local function: its nodes, with its constants turned into Constant nodes (a function
    /// has no initializers), reading <paramref name="inputs"/> and giving <paramref name="outputs"/>.
    /// </summary>
    public FunctionProto ToFunction(string domain, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, long opset)
    {
        if (root is not null) throw new InvalidOperationException("Only a root graph becomes a function.");
        var function = new FunctionProto { Domain = domain, Name = name };
        function.Input.AddRange(inputs);
        function.Output.AddRange(outputs);
        function.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var constant in Graph.Initializer)
        {
            var node = new NodeProto { OpType = "Constant", Name = $"{constant.Name}/Constant" };
            node.Output.Add(constant.Name);
            node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = constant });
            function.Node.Add(node);
        }
        function.Node.AddRange(Graph.Node);
        return function;
    }

    /// <summary>Declares a graph output whose value <paramref name="value"/> must already exist in this graph.</summary>
    public void Output(string value, TensorProto.Types.DataType type, params string?[] dims) =>
        Graph.Output.Add(ValueInfo(value, type, dims));

    /// <summary>Declares a graph input; dims are fixed sizes ("3") or symbolic names ("N").</summary>
    public void Input(string value, TensorProto.Types.DataType type, params string?[] dims)
    {
        ReserveName(value);
        Graph.Input.Add(ValueInfo(value, type, dims));
    }

    /// <summary>Declares a graph input that is a scalar (rank 0), such as a Loop body's iteration number and condition.</summary>
    public void ScalarInput(string value, TensorProto.Types.DataType type)
    {
        ReserveName(value);
        var info = ValueInfo(value, type);
        info.Type.TensorType.Shape = new TensorShapeProto();
        Graph.Input.Add(info);
    }

    /// <summary>
    /// A value-info with a tensor type. No dims: shape unknown. A null dimension is unknown, a
    /// number fixed, anything else a symbolic name.
    /// </summary>
    public static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, params string?[] dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims.Length > 0)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (d is null) { }
                else if (long.TryParse(d, out var fixedSize)) dim.DimValue = fixedSize;
                else dim.DimParam = d;
                shape.Dim.Add(dim);
            }
            tensorType.Shape = shape;
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>
    /// Stores a float32 weight as a root-graph initializer named exactly <paramref name="name"/>: a second weight of
    /// one name is refused, never renamed.
    /// </summary>
    public string Weight(string name, IEnumerable<long> dims, ReadOnlySpan<float> values)
    {
        ReserveName(name);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(dims);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        InitializerGraph.Initializer.Add(proto);
        return name;
    }

    /// <summary>A float32 constant of this graph with the given values and shape (a scalar when no dims are given).</summary>
    public string FloatConstant(float[] values, params long[] dims)
    {
        var key = $"f:{string.Join(",", dims)}:{string.Join(",", values.Select(v => BitConverter.SingleToInt32Bits(v)))}";
        if (constants.TryGetValue(key, out var existing)) return existing;
        var name = UniqueName(values.Length == 1 ? $"{ConstantPrefix}f_{values[0]:R}" : $"{ConstantPrefix}f");
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        proto.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(proto);
        constants[key] = name;
        return name;
    }

    /// <summary>A float32 scalar constant of this graph.</summary>
    public string Scalar(float value) => FloatConstant(new[] { value });

    /// <summary>A 1-D int64 constant of this graph (shapes, axes, indices).</summary>
    public string Int64s(params long[] values) => Int64Constant(values, values.Length);

    /// <summary>A 0-D int64 constant of this graph.</summary>
    public string Int64Scalar(long value) => Int64Constant(new[] { value }, null);

    private string Int64Constant(long[] values, long? length)
    {
        var key = $"i:{(length is null ? "s" : "v")}:{string.Join(",", values)}";
        if (constants.TryGetValue(key, out var existing)) return existing;
        var name = UniqueName($"{ConstantPrefix}i_{string.Join("_", values).Replace('-', 'm')}");
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        if (length is not null) proto.Dims.Add(length.Value);
        var bytes = new byte[values.Length * sizeof(long)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        proto.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(proto);
        constants[key] = name;
        return name;
    }

    /// <summary>Renames the value <paramref name="from"/>, produced by a node of this graph, to <paramref name="to"/>.</summary>
    public void RenameOutput(string from, string to)
    {
        ReserveName(to);
        var producer = Graph.Node.LastOrDefault(n => n.Output.Contains(from))
            ?? throw new InvalidOperationException($"No node of graph '{Graph.Name}' produces '{from}'.");
        if (Graph.Node.Any(n => n.Input.Contains(from)))
            throw new InvalidOperationException($"'{from}' is read by other nodes; it cannot be renamed to '{to}'.");
        producer.Output[producer.Output.IndexOf(from)] = to;
    }

    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An attribute holding a list of integers (perm, axes, pads, ...).</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Attr(string name, GraphProto graph) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };
}
