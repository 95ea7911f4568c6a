using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Torch;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Archs;

/// <summary>
/// The repro of docs/CPU-TRAINING.md kept as a test: every convolution shape an HSPAN of these widths
/// runs (head, LEB, HSPA's 1x1 embeddings, upsampler, tail, mean shift), forward and both gradients,
/// in the layout the network gives it on the CPU, against a float64 reference and against itself.
/// On contiguous NCHW tensors libtorch 2.10's oneDNN fails many of these on AVX2 and AVX-512 CPUs.
/// </summary>
public class CpuMemoryLayoutTests
{
    [Theory]
    [InlineData(8)]   // the trainer tests' tiny network
    [InlineData(24)]  // not a multiple of 16: forward was wrong too
    [InlineData(64)]  // the default models
    [InlineData(192)] // the paper's configuration
    public void ConvolutionsOfAnHspanAreExactAndRepeatable(int feats)
    {
        (int In, int Out, int Kernel, int Size)[] shapes =
        [
            (3, 3, 1, 8), (3, feats, 3, 8), (feats, feats, 3, 8), (feats, feats / 2, 1, 8), (feats, feats, 1, 8),
            (feats, 4 * feats, 3, 8), (feats, 9 * feats, 3, 8), (feats, 3, 3, 16), (feats, 3, 3, 24),
        ];
        var failures = new List<string>();
        foreach (var (input, output, kernel, size) in shapes)
        {
            using var scope = NewDisposeScope();
            manual_seed(1);
            var x = randn(4, input, size, size);
            var weight = randn(output, input, kernel, kernel).Mul(0.1);
            var bias = randn(output).Mul(0.1);
            var upstream = randn(4, output, size, size);

            Tensor[] Run(ScalarType type)
            {
                var xs = CpuMemoryLayout.Apply(x.to(type)).detach().requires_grad_(true);
                var w = weight.to(type).detach().requires_grad_(true);
                var b = bias.to(type).detach().requires_grad_(true);
                var y = nn.functional.conv2d(xs, w, b, padding: [kernel / 2, kernel / 2]);
                (y * upstream.to(type)).sum().backward();
                return [y.detach().to(float64), xs.grad!.to(float64), w.grad!.to(float64), b.grad!.to(float64)];
            }

            var reference = Run(float64);
            var first = Run(float32);
            var again = Run(float32);
            string[] names = ["output", "input gradient", "weight gradient", "bias gradient"];
            for (int i = 0; i < names.Length; i++)
            {
                double error = (first[i] - reference[i]).abs().max().item<double>() / reference[i].abs().max().item<double>();
                if (!(error < 1e-5)) failures.Add($"{input}->{output} {kernel}x{kernel} at {size}x{size}: {names[i]} relative error {error:E1}");
                if (!first[i].eq(again[i]).all().item<bool>()) failures.Add($"{input}->{output} {kernel}x{kernel} at {size}x{size}: {names[i]} differs between two identical runs");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TheLayoutKeepsValuesAndShape()
    {
        using var scope = NewDisposeScope();
        var x = ScalarArithmetic.Arange(0, 2 * 3 * 4 * 5, float32, CPU).reshape(2, 3, 4, 5);
        var converted = CpuMemoryLayout.Apply(x);
        Assert.Equal(x.shape, converted.shape);
        Assert.True(x.eq(converted).all().item<bool>());
        Assert.Equal([60L, 1, 15, 3], converted.stride());
    }
}
