using MLNet.SuperRes.Evaluation.Images;
using Xunit;

namespace MLNet.SuperRes.Tests.Evaluation;

public class MatlabImresizeTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.5625)]
    [InlineData(-0.5, 0.5625)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.5, -0.0625)]
    [InlineData(2.0, 0.0)]
    [InlineData(2.5, 0.0)]
    public void CubicIsKeysKernelWithAMinusHalf(double x, double expected) =>
        Assert.Equal(expected, MatlabImresize.Cubic(x), 12);

    [Theory]
    [InlineData(7, 5, 1.0 / 3, 3, 2)]
    [InlineData(10, 7, 0.5, 5, 4)]
    [InlineData(255, 256, 1.0 / 3, 85, 86)]
    [InlineData(5, 4, 3.0, 15, 12)]
    [InlineData(9, 1, 4.0, 36, 4)]
    public void OutputSizeIsCeilingOfInputTimesScale(int width, int height, double scale, int expectedWidth, int expectedHeight)
    {
        var resized = MatlabImresize.Resize(TestRgbImages.Asymmetric(width, height), scale);
        Assert.Equal((expectedWidth, expectedHeight), (resized.Width, resized.Height));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0 / 3)]
    [InlineData(0.25)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(4.0)]
    public void ConstantImageStaysConstant(double scale)
    {
        var resized = MatlabImresize.Resize(TestRgbImages.Constant(13, 11, 7, 128, 250), scale);
        for (int i = 0; i < resized.Width * resized.Height; i++)
            Assert.Equal((7, 128, 250), (resized.Pixels[3 * i], resized.Pixels[3 * i + 1], resized.Pixels[3 * i + 2]));
    }

    /// <summary>
    /// Halving a step 0,0,0,0,200,200,200,200. At scale 1/2 the kernel is 0.5 cubic(x/2), 8 wide; output
    /// sample k sits at u = 2k - 0.5, so its ten taps start at floor(u - 4) and have distances 4.5 ... -4.5,
    /// weights (0, -3/256, -9/256, 29/256, 111/256, 111/256, 29/256, -9/256, -3/256, 0), sum 1. Indices
    /// below 1 or above 8 mirror (0 -> 1, -1 -> 2, 9 -> 8, 10 -> 7). Output 1 only reaches pixel 5 with
    /// weight -3/256: 200 * -3/256 = -2.34, saturated to 0. Output 2: 200 * (29 - 9 - 3)/256 = 13.28 -> 13.
    /// Output 3: 200 * (111 + 111 + 29 - 9 - 3)/256 = 186.72 -> 187. Output 4: 200 * (1 + 3/256) = 202.34 -> 202.
    /// </summary>
    [Fact]
    public void HalvingAStepMatchesMatlabsFormulaByHand()
    {
        var resized = MatlabImresize.Resize(TestRgbImages.Row(0, 0, 0, 0, 200, 200, 200, 200), 0.5);
        Assert.Equal((4, 1), (resized.Width, resized.Height));
        for (int c = 0; c < 3; c++)
            Assert.Equal(new byte[] { 0, 13, 187, 202 }, TestRgbImages.Channel(resized, c));
    }

    /// <summary>
    /// Doubling 0,160. Output k sits at u = k/2 + 1/4; for k = 2, u = 1.25, taps at indices 0..3 with
    /// distances 1.25, 0.25, -0.75, -1.75 and weights -0.0703125, 0.8671875, 0.2265625, -0.0234375; index 0
    /// mirrors to 1 and index 3 to 2, so the value is 160 * (0.2265625 - 0.0234375) = 32.5, which MATLAB
    /// rounds away from zero to 33 (round-half-to-even would give 32). By symmetry output 3 is 160 - 32.5
    /// = 127.5 -> 128; outputs 1 and 4 are 160 * -0.09375 = -15 -> 0 and 175.
    /// </summary>
    [Fact]
    public void DoublingTwoPixelsMatchesMatlabsFormulaAndRounding()
    {
        var resized = MatlabImresize.Resize(TestRgbImages.Row(0, 160), 2.0);
        Assert.Equal((4, 2), (resized.Width, resized.Height));
        for (int c = 0; c < 3; c++)
            Assert.Equal(new byte[] { 0, 33, 128, 175, 0, 33, 128, 175 }, TestRgbImages.Channel(resized, c));
    }

    [Fact]
    public void ChannelsAreResizedIndependently()
    {
        var image = TestRgbImages.Asymmetric(12, 9);
        var resized = MatlabImresize.Resize(image, 1.0 / 3);
        for (int c = 0; c < 3; c++)
        {
            var plane = TestRgbImages.Channel(image, c).Select(v => (double)v).ToArray();
            var expected = MatlabImresize.ResizePlane(plane, 12, 9, 1.0 / 3, out int w, out int h)
                .Select(MatlabImresize.MatlabRoundToByte).ToArray();
            Assert.Equal((4, 3), (w, h));
            Assert.Equal(expected, TestRgbImages.Channel(resized, c));
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void ResizingCommutesWithTransposeUpToRounding(double scale)
    {
        var image = TestRgbImages.Asymmetric(10, 6);
        var transposed = Transpose(image);
        var a = Transpose(MatlabImresize.Resize(image, scale));
        var b = MatlabImresize.Resize(transposed, scale);
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        Assert.All(a.Pixels.Zip(b.Pixels), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 1));
    }

    [Fact]
    public void ShrinkingThenEnlargingAModCroppedImageRestoresItsSize()
    {
        var image = RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "butterfly.png")).ModCrop(3);
        var lowRes = MatlabImresize.Resize(image, 1.0 / 3);
        Assert.Equal((85, 85), (lowRes.Width, lowRes.Height));
        var restored = MatlabImresize.Resize(lowRes, 3);
        Assert.Equal((255, 255), (restored.Width, restored.Height));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RejectsInvalidScale(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MatlabImresize.Resize(TestRgbImages.Constant(4, 4, 1, 2, 3), scale));

    [Theory]
    [InlineData(-0.5, 0)]
    [InlineData(0.5, 1)]
    [InlineData(1.5, 2)]
    [InlineData(2.4999, 2)]
    [InlineData(254.5, 255)]
    [InlineData(300.0, 255)]
    public void RoundToByteRoundsHalfAwayFromZeroAndSaturates(double value, byte expected) =>
        Assert.Equal(expected, MatlabImresize.MatlabRoundToByte(value));

    private static RgbImage Transpose(RgbImage image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                for (int c = 0; c < 3; c++)
                    pixels[3 * (x * image.Height + y) + c] = image.Pixels[3 * (y * image.Width + x) + c];
        return new RgbImage(image.Height, image.Width, pixels);
    }
}
