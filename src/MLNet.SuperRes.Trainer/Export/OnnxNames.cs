using MLNet.SuperRes.OnnxGraphs;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// How an export names what <see cref="Checkpoints.OnnxWeights"/> reads back as a state_dict, stated once for
/// both: every weight is an initializer named exactly by its state_dict key (two weights of one name are refused,
/// never renamed); the graph's own constants are initializers starting with <see cref="ConstantPrefix"/>; a
/// PReLU's single shared slope is the alpha of a LeakyRelu node whose output is named by the module's path
/// (<see cref="SharedSlopeOutput"/>); per-channel slopes are stored [C, 1, 1] so they broadcast over H and W.
/// </summary>
internal static class OnnxNames
{
    public const string ConstantPrefix = OnnxGraphBuilder.ConstantPrefix;

    /// <summary>Joins a module path and a child or parameter name the way state_dict keys do.</summary>
    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>The output of the LeakyRelu node that carries the shared slope of the PReLU at <paramref name="modulePath"/>.</summary>
    public static string SharedSlopeOutput(string modulePath) => modulePath;

    /// <summary>The state_dict key of the shared slope a LeakyRelu node with output <paramref name="output"/> carries.</summary>
    public static string SharedSlopeKey(string output) => Join(output, "weight");

    /// <summary>Whether an initializer of these dimensions is a per-channel PReLU slope ([C, 1, 1]; the module holds [C]).</summary>
    public static bool IsPerChannelSlope(IReadOnlyList<long> dims) => dims.Count == 3 && dims[1] == 1 && dims[2] == 1;
}
