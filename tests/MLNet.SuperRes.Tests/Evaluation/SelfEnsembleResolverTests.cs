using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Evaluation;
using MLNet.SuperRes.Trainer.Metrics;
using Xunit;

namespace MLNet.SuperRes.Tests.Evaluation;

public class SelfEnsembleResolverTests
{
    /// <summary>
    /// Pixel replication commutes with every flip and transpose, so if each of the 8 outputs is
    /// transformed back correctly their average is the plain output, exactly. The input has no symmetry
    /// and is not square, so a wrong inverse (or a width/height mix-up) changes the result.
    /// </summary>
    [Fact]
    public void EnsembleOfAnEquivariantResolverEqualsThePlainOutput()
    {
        var lowRes = TestImages.Asymmetric(7, 4);
        var plain = new NearestResolver(3).Upscale(lowRes);
        var inner = new NearestResolver(3);
        var ensemble = new SelfEnsembleResolver(inner).Upscale(lowRes);
        Assert.Equal(plain.Length, ensemble.Length);
        for (int i = 0; i < plain.Length; i++)
            Assert.Equal(plain[i], ensemble[i], 6);
        Assert.Equal(8, inner.Calls.Count);
        Assert.Equal(4, inner.Calls.Count(c => c == (7, 4)));
        Assert.Equal(4, inner.Calls.Count(c => c == (4, 7)));
    }

    /// <summary>
    /// MATLAB bicubic is symmetric under flips and separable, so each of the 8 outputs matches the plain
    /// one up to the 8-bit rounding of the output: the ensemble stays within 1/255 of bicubic and scores
    /// the same to within 0.01 dB.
    /// </summary>
    [Fact]
    public void EnsembleOfBicubicStaysBicubic()
    {
        var highRes = RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "butterfly.png")).ModCrop(2);
        var lowRes = MatlabImresize.Resize(highRes, 0.5);
        var plain = new BicubicResolver(2).Upscale(lowRes);
        var ensemble = new SelfEnsembleResolver(new BicubicResolver(2)).Upscale(lowRes);
        Assert.All(plain.Zip(ensemble), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 1 / 255f + 1e-6f));

        var (plainPsnr, _) = new Evaluator(new BicubicResolver(2)).Score(highRes);
        var (ensemblePsnr, ensembleSsim) = new Evaluator(new SelfEnsembleResolver(new BicubicResolver(2))).Score(highRes);
        Assert.Equal(plainPsnr, ensemblePsnr, 0.01);
        Assert.InRange(ensembleSsim, 0.9, 1.0);
    }

    [Fact]
    public void EnsembleAveragesTheEightOutputs()
    {
        // A resolver whose output depends on the orientation: the value of the top-left LR pixel everywhere.
        var lowRes = new RgbImage(2, 1, [10, 10, 10, 200, 200, 200]);
        var ensemble = new SelfEnsembleResolver(new TopLeftResolver()).Upscale(lowRes);
        // The four variants that mirror the width see 200 at the top-left, the other four see 10.
        Assert.All(ensemble, v => Assert.Equal((4 * 10 + 4 * 200) / 8f / 255f, v, 6));
    }

    [Fact]
    public void WrongOutputLengthOfTheInnerResolverThrows()
    {
        var inner = new FixedOutputResolver(2, TestImages.Asymmetric(3, 3));
        Assert.Throws<InvalidOperationException>(() => new SelfEnsembleResolver(inner).Upscale(TestImages.Asymmetric(4, 4)));
    }

    private sealed class TopLeftResolver : ISuperResolver
    {
        public int Scale => 2;

        public float[] Upscale(RgbImage lowRes) =>
            Enumerable.Repeat(lowRes.Pixels[0] / 255f, 3 * 4 * lowRes.Width * lowRes.Height).ToArray();
    }
}
