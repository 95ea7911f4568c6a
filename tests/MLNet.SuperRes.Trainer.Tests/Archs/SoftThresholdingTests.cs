using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Torch;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Archs;

public class SoftThresholdingTests
{
    public static IEnumerable<object[]> Cases() =>
        Enumerable.Range(0, Reference.Index["st"]!.AsArray().Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchOfficialCode(int caseIndex)
    {
        using var scope = NewDisposeScope();
        using var tensors = Reference.Tensors("st_cases.safetensors");
        int topk = (int)Reference.Index["st"]![caseIndex]!["topk"]!;
        string p = $"case{caseIndex}.";

        var scores = tensors[p + "scores"].clone().requires_grad_(true);
        var output = SoftThresholding.Apply(scores, topk);
        output.backward(new[] { tensors[p + "grad_output"] });

        var (forwardMax, _) = Reference.Difference(output.detach(), tensors[p + "output"]);
        var (backwardMax, _) = Reference.Difference(scores.grad!, tensors[p + "grad_input"]);
        Assert.True(forwardMax <= 1e-5, $"forward max abs difference {forwardMax}");
        Assert.True(backwardMax <= 1e-5, $"backward max abs difference {backwardMax}");
    }

    [Fact]
    public void ReferenceCasesIncludeRowsWiderThanTopK()
    {
        var wide = Reference.Index["st"]!.AsArray().Count(c => (double)c!["max_support"]! > (int)c["topk"]!);
        Assert.True(wide > 0, "the reference set should exercise the 2k retry");
    }

    [Fact]
    public void WideSupportRowsAreExactSparsemax()
    {
        using var scope = NewDisposeScope();
        // Nearly equal scores: the support spans most of each row, far more than k = 4 (and 2k = 8).
        using var generator = new Generator(7);
        var scores = rand(new long[] { 3, 40, 50 }, generator: generator, dtype: ScalarType.Float64).Mul(0.02);
        var (fromTopK, supportTopK) = SoftThresholding.Forward(scores, 4);
        var (fromFullSort, supportFull) = SoftThresholding.Forward(scores, 50);

        Assert.True(supportFull.max().item<long>() > 8, "the case must need more than 2k entries");
        Assert.True(fromTopK.allclose(fromFullSort, rtol: 0, atol: 1e-12));
        Assert.True(supportTopK.eq(supportFull).all().item<bool>());
        Assert.True(fromTopK.sum(-1).allclose(ones(3, 40, dtype: ScalarType.Float64), rtol: 0, atol: 1e-9), "sparsemax rows sum to 1");
    }

    [Fact]
    public void CustomBackwardMatchesAutogradThroughTheSameOps()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var scores = randn(new long[] { 2, 30, 30 }, generator: generator, dtype: ScalarType.Float64).Mul(2);
        var gradOutput = randn(new long[] { 2, 30, 30 }, generator: generator, dtype: ScalarType.Float64);

        var viaCustom = scores.clone().requires_grad_(true);
        SoftThresholding.Apply(viaCustom, 4).backward(new[] { gradOutput });

        // The same forward ops, differentiated by autograd (topk, cumsum, gather and clamp are all differentiable).
        var viaAutograd = scores.clone().requires_grad_(true);
        SoftThresholding.Forward(viaAutograd, 4).Output.backward(new[] { gradOutput });

        Assert.True(viaCustom.grad!.allclose(viaAutograd.grad!, rtol: 0, atol: 1e-10),
            $"max difference {(viaCustom.grad! - viaAutograd.grad!).abs().max().item<double>()}");
    }

    [Fact]
    public void CustomBackwardMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var scores = randn(new long[] { 1, 3, 12 }, generator: generator, dtype: ScalarType.Float64);
        var weights = randn(new long[] { 1, 3, 12 }, generator: generator, dtype: ScalarType.Float64);
        double Objective(Tensor s)
        {
            using var objectiveScope = NewDisposeScope();
            return (SoftThresholding.Forward(s, 3).Output * weights).sum().item<double>();
        }

        var x = scores.clone().requires_grad_(true);
        (SoftThresholding.Apply(x, 3) * weights).sum().backward();
        var analytic = x.grad!;

        const double h = 1e-6;
        var flat = scores.flatten();
        for (int i = 0; i < flat.shape[0]; i++)
        {
            using var stepScope = NewDisposeScope();
            var plus = flat.clone(); plus[i] = plus[i].Add(h);
            var minus = flat.clone(); minus[i] = minus[i].Add(-h);
            double numeric = (Objective(plus.view(scores.shape)) - Objective(minus.view(scores.shape))) / (2 * h);
            Assert.Equal(numeric, analytic.flatten()[i].item<double>(), 6);
        }
    }
}
