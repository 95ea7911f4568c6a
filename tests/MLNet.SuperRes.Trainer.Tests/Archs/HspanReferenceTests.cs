using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Archs;

public class HspanReferenceTests
{
    [Fact]
    public void HspaBlockMatchesOfficialCode()
    {
        using var scope = NewDisposeScope();
        var info = Reference.Index["hspa"]![0]!;
        using var block = new Hspa((int)info["channels"]!, (int)info["reduction"]!, (double)info["res_scale"]!, (int)info["topk"]!);
        using var weights = Reference.Tensors("hspa_a.weights.safetensors");
        Assert.Equal(weights.Keys.OrderBy(k => k), block.state_dict().Keys.OrderBy(k => k));
        using (no_grad())
            foreach (var (key, target) in block.state_dict()) target.copy_(weights[key]);

        using var io = Reference.Tensors("hspa_a.io.safetensors");
        block.eval();
        using var _ = no_grad();
        var (max, mean) = Reference.Difference(block.call(io["input"]), io["output"]);
        Assert.True(max <= 1e-5, $"max abs difference {max}, mean {mean}");
    }

    [Theory]
    [MemberData(nameof(Reference.ModelNames), MemberType = typeof(Reference))]
    public void WholeNetworkFromSafetensorsMatchesOfficialOutput(string name) =>
        AssertMatchesOfficial(name, $"{name}.weights.safetensors");

    [Theory]
    [MemberData(nameof(Reference.ModelNames), MemberType = typeof(Reference))]
    public void WholeNetworkFromPtMatchesOfficialOutputWherePresent(string name)
    {
        var pt = $"{name}.pt";
        if (!File.Exists(Reference.PathOf(pt)))
        {
            Assert.Equal("x2_res1", name); // the only case shipped without a .pt
            return;
        }
        AssertMatchesOfficial(name, pt);
    }

    [Theory]
    [MemberData(nameof(Reference.ModelNames), MemberType = typeof(Reference))]
    public void StructureIsInferredFromTheTensors(string name)
    {
        var expected = Reference.Config(name);
        using var file = HspanCheckpoint.Read(Reference.PathOf($"{name}.weights.safetensors"));
        var config = HspanCheckpoint.ConfigFor(file, expected.TopK, expected.ResScale);
        Assert.Equal(expected, config);
    }

    private static void AssertMatchesOfficial(string name, string weightsFile)
    {

        using var scope = NewDisposeScope();
        var expected = Reference.Config(name);
        using var model = HspanCheckpoint.Load(Reference.PathOf(weightsFile), expected.TopK, expected.ResScale);
        Assert.Equal(expected, model.Config);

        using var io = Reference.Tensors($"{name}.io.safetensors");
        model.eval();
        using var _ = no_grad();
        var (max, mean) = Reference.Difference(model.call(io["input"]), io["output"]);
        Assert.True(max <= 1e-4 && mean <= 1e-5, $"{weightsFile}: max abs difference {max}, mean abs difference {mean}");
    }
}
