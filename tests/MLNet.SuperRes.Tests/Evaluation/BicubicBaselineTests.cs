using MLNet.SuperRes.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Evaluation;

/// <summary>
/// The bicubic rows of the SR tables (SRCNN/VDSR/EDSR/RCAN, MATLAB imresize + Y-channel PSNR/SSIM)
/// reproduced on the original (not mod-cropped) Set5 and Set14.
/// </summary>
public class BicubicBaselineTests(ITestOutputHelper output)
{
    private const double PsnrTolerance = 0.03;
    private const double SsimTolerance = 0.0015;

    [Theory]
    [InlineData("Set5", 2, 33.66, 0.9299)]
    [InlineData("Set5", 3, 30.39, 0.8682)]
    [InlineData("Set5", 4, 28.42, 0.8104)]
    [InlineData("Set14", 2, 30.24, 0.8688)]
    [InlineData("Set14", 3, 27.55, 0.7742)]
    [InlineData("Set14", 4, 26.00, 0.7027)]
    public void BicubicMatchesPublishedTable(string set, int scale, double publishedPsnr, double publishedSsim)
    {
        string folder = Path.Combine(SharedData.Data, set);
        var report = new Evaluator(new MatlabBicubicUpscaler(scale)).EvaluateFolder(folder, "bicubic", selfEnsemble: false);
        output.WriteLine(report.ToTable());

        Assert.Equal(set == "Set5" ? 5 : 14, report.Images.Count);
        Assert.InRange(report.Mean.Psnr, publishedPsnr - PsnrTolerance, publishedPsnr + PsnrTolerance);
        Assert.InRange(report.Mean.Ssim, publishedSsim - SsimTolerance, publishedSsim + SsimTolerance);
    }
}
