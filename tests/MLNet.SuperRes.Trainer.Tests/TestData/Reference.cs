using System.Text.Json.Nodes;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.TestData;

/// <summary>The official-code reference cases in shared/reference/hspan-official.</summary>
internal static class Reference
{
    private static readonly Lazy<JsonObject> index = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Reference, "index.json")))!.AsObject());

    public static JsonObject Index => index.Value;

    public static string PathOf(string name) => Path.Combine(SharedData.Reference, name);

    /// <summary>A reference file's tensors, freed when the set is disposed.</summary>
    public static ReferenceTensors Tensors(string name) => new(SafeTensors.Read(PathOf(name)).Tensors);

    public static IEnumerable<object[]> ModelNames() =>
        Index["models"]!.AsObject().Select(kv => new object[] { kv.Key });

    public static HspanConfig Config(string model)
    {
        var c = Index["models"]![model]!["config"]!;
        return new HspanConfig
        {
            NResGroups = (int)c["n_resgroups"]!, NResBlocks = (int)c["n_resblocks"]!, NFeats = (int)c["n_feats"]!,
            Reduction = (int)c["reduction"]!, TopK = (int)c["topk"]!, ResScale = (double)c["res_scale"]!,
            RgbRange = (double)c["rgb_range"]!, NColors = (int)c["n_colors"]!, Scale = (int)c["scale"]!,
        };
    }

    public static (double MaxAbs, double MeanAbs) Difference(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        return (diff.max().item<double>(), diff.mean().item<double>());
    }
}

/// <summary>The tensors of one reference file, by name.</summary>
internal sealed class ReferenceTensors(Dictionary<string, Tensor> tensors) : IDisposable
{
    public Tensor this[string name] => tensors[name];

    public IEnumerable<string> Keys => tensors.Keys;

    public void Dispose()
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }
}
