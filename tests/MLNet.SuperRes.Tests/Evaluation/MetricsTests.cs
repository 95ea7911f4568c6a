using MLNet.SuperRes.Evaluation.Metrics;
using Xunit;

namespace MLNet.SuperRes.Tests.Evaluation;

public class MetricsTests
{
    [Theory]
    [InlineData(0, 0, 0, 16.0)]
    [InlineData(255, 255, 255, 235.0)]
    [InlineData(255, 0, 0, 16.0 + 65.481)]
    [InlineData(0, 255, 0, 16.0 + 128.553)]
    [InlineData(0, 0, 255, 16.0 + 24.966)]
    [InlineData(10, 20, 30, 16.0 + (65.481 * 10 + 128.553 * 20 + 24.966 * 30) / 255)]
    public void Rgb2YIsMatlabLumaInDoubleWithoutRounding(byte r, byte g, byte b, double expected) =>
        Assert.Equal(expected, Luma.Rgb2Y(TestRgbImages.Constant(2, 1, r, g, b))[1], 10);

    [Theory]
    [InlineData(0)]
    [InlineData(77)]
    [InlineData(255)]
    public void Rgb2GreyOfEqualChannelsIsTheGreyLevel(byte grey) =>
        Assert.Equal(grey, Luma.Rgb2Grey(TestRgbImages.Constant(1, 1, grey, grey, grey))[0], 10);

    [Fact]
    public void PsnrOfIdenticalPlanesIsPositiveInfinity()
    {
        var plane = Ramp(16, 12);
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(plane, (double[])plane.Clone(), 16, 12, shave: 2));
    }

    [Fact]
    public void PsnrOfAConstantErrorOfFiveIs34Point15()
    {
        var reference = Ramp(16, 12);
        var test = reference.Select(v => v + 5).ToArray();
        // 10 log10(255^2 / 25) = 34.1514...
        Assert.Equal(10 * Math.Log10(65025.0 / 25), Psnr.Compute(reference, test, 16, 12, shave: 0), 10);
        Assert.Equal(34.1514, Psnr.Compute(reference, test, 16, 12, shave: 3), 4);
    }

    [Fact]
    public void ShaveIgnoresErrorsInTheBorder()
    {
        var reference = Ramp(16, 14);
        var test = (double[])reference.Clone();
        for (int x = 0; x < 16; x++) test[x] += 100;          // top row
        for (int y = 0; y < 14; y++) test[y * 16 + 15] -= 50; // right column
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(reference, test, 16, 14, shave: 1));
        Assert.True(Psnr.Compute(reference, test, 16, 14, shave: 0) < 30);
        Assert.Equal(1.0, Ssim.Compute(reference, test, 16, 14, shave: 1), 12);
        Assert.True(Ssim.Compute(reference, test, 16, 14, shave: 0) < 1 - 1e-6);
    }

    [Fact]
    public void SsimOfIdenticalPlanesIsOne()
    {
        var plane = Noise(40, 30, seed: 3);
        Assert.Equal(1.0, Ssim.Compute(plane, (double[])plane.Clone(), 40, 30, shave: 2), 12);
    }

    /// <summary>For constant planes the variances are 0, so SSIM = (2 a b + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 255)^2.</summary>
    [Fact]
    public void SsimOfTwoConstantPlanesIsTheLuminanceTerm()
    {
        const double a = 100, b = 120, c1 = 2.55 * 2.55;
        var reference = Enumerable.Repeat(a, 20 * 20).ToArray();
        var test = Enumerable.Repeat(b, 20 * 20).ToArray();
        Assert.Equal((2 * a * b + c1) / (a * a + b * b + c1), Ssim.Compute(reference, test, 20, 20, shave: 0), 10);
    }

    [Fact]
    public void SsimIsSymmetricAndBelowOneForNoise()
    {
        var reference = Noise(40, 30, seed: 4);
        var test = reference.Zip(Noise(40, 30, seed: 5), (r, n) => r + (n - 127.5) / 8).ToArray();
        double forward = Ssim.Compute(reference, test, 40, 30, 0), backward = Ssim.Compute(test, reference, 40, 30, 0);
        Assert.Equal(forward, backward, 12);
        Assert.InRange(forward, 0.5, 0.999);
    }

    [Fact]
    public void SsimRejectsPlanesSmallerThanTheWindowAfterShaving() =>
        Assert.Throws<ArgumentException>(() => Ssim.Compute(Ramp(14, 14), Ramp(14, 14), 14, 14, shave: 2));

    [Fact]
    public void MismatchedSizesAreRejected() =>
        Assert.Throws<ArgumentException>(() => Psnr.Compute(Ramp(16, 12), Ramp(12, 16).Take(100).ToArray(), 16, 12, 0));

    private static double[] Ramp(int width, int height) =>
        Enumerable.Range(0, width * height).Select(i => (double)(i % width * 7 + i / width * 3)).ToArray();

    private static double[] Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, width * height).Select(_ => random.NextDouble() * 255).ToArray();
    }
}
