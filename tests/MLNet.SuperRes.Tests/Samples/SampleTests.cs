using MLNet.SuperRes.Tests.TestData;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Samples;

/// <summary>
/// Every sample runs here, briefly, so that none rots. One class: its tests run one after another, so two
/// builds never touch the same project at once.
/// </summary>
[Collection(DotnetCli.BuildsCollection)]
public sealed class SampleTests(ITestOutputHelper output) : IDisposable
{
    private const string UpscaleProject = "samples/Upscale/Upscale.csproj";
    private static readonly TimeSpan Minutes5 = TimeSpan.FromMinutes(5);
    private readonly string _temp = Directory.CreateTempSubdirectory("superres-samples-").FullName;

    private static string TestCard => Path.Combine(SharedData.RepoRoot, "samples", "Upscale", "images", "test-card.png");

    [Fact]
    public void Upscale_TheShippedTestCard_WritesItTwiceAsLarge_AndAComparison()
    {
        DotnetCli.Build(UpscaleProject);
        string result = Path.Combine(_temp, "card-x2.png"), compare = Path.Combine(_temp, "compare.png");
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject,
            $"\"{TestCard}\" \"{result}\" --provider cpu --compare \"{compare}\" --compare-region 30,40,100,70", Minutes5);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        Assert.Contains("embedded hspan-x2, x2, CPU", log);
        Assert.Contains("240x160 -> 480x320", log);
        var info = Image.Identify(result);
        Assert.Equal((480, 320), (info.Width, info.Height));
        var comparison = Image.Identify(compare); // two 400x280 panels (200x140 output crops, doubled) and an 8-pixel gap
        Assert.Equal((808, 280), (comparison.Width, comparison.Height));
    }

    [Fact]
    public void Upscale_APortraitPhotoStoredSideways_ComesOutUpright_OrAsStoredWhenAsked_WithItsExifUnlessStripped()
    {
        DotnetCli.Build(UpscaleProject);
        string input = Path.Combine(_temp, "portrait.jpg"), upright = Path.Combine(_temp, "upright.png"), stored = Path.Combine(_temp, "stored.png"),
            stripped = Path.Combine(_temp, "stripped.png");
        File.WriteAllBytes(input, OrientedPhotos.Jpeg(6, 60, 40)); // stored 60x40, shown 40x60
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{upright}\" --provider cpu", Minutes5);
        Assert.True(exitCode == 0, log);
        Assert.Equal((80, 120), Size(upright));
        (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{stored}\" --provider cpu --keep-orientation", Minutes5);
        Assert.True(exitCode == 0, log);
        Assert.Equal((120, 80), Size(stored));
        Assert.Equal((ushort)1, Image.Identify(upright).Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value); // not turned again
        Assert.Equal((ushort)6, Image.Identify(stored).Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value); // turned when shown
        (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{stripped}\" --provider cpu --strip-metadata", Minutes5);
        Assert.True(exitCode == 0, log);
        Assert.Null(Image.Identify(stripped).Metadata.ExifProfile);
    }

    [Fact]
    public void Upscale_ASixteenBitGreyScan_StaysASixteenBitGreyPng()
    {
        DotnetCli.Build(UpscaleProject);
        string input = Path.Combine(_temp, "scan.png"), result = Path.Combine(_temp, "scan-x2.png");
        File.WriteAllBytes(input, DeepPngs.Png(40, 30, PngColorType.Grayscale));
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{result}\" --provider cpu", Minutes5);
        Assert.True(exitCode == 0, log);
        Assert.Contains("scan.png 40x30 -> 80x60", log);
        Assert.Contains("(16-bit)", log);
        var written = DeepPngs.Decode(File.ReadAllBytes(result));
        Assert.Equal((80, 60, PngBitDepth.Bit16, PngColorType.Grayscale), (written.Width, written.Height, written.BitDepth!.Value, written.ColourType!.Value));
    }

    [Fact]
    public void Upscale_WithPrecisionInt8_RunsTheEmbeddedInt8Model()
    {
        DotnetCli.Build(UpscaleProject);
        string input = Path.Combine(_temp, "small.png"), result = Path.Combine(_temp, "small-x4.png");
        using (var card = Image.Load<Rgba32>(TestCard))
            card.Clone(m => m.Crop(new Rectangle(30, 40, 36, 28))).SaveAsPng(input);
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{result}\" --scale 4 --precision int8 --provider cpu", Minutes5);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        Assert.Contains("embedded hspan-x4-int8, x4, CPU", log);
        Assert.Equal((144, 112), Size(result));
    }

    [Fact]
    public void Upscale_AFolder_WritesOnePngPerImage_AndNamesTheOneItCannotRead()
    {
        DotnetCli.Build(UpscaleProject);
        string input = Path.Combine(_temp, "in"), outputFolder = Path.Combine(_temp, "out");
        Directory.CreateDirectory(input);
        using (var card = Image.Load<Rgba32>(TestCard))
        {
            card.Clone(m => m.Crop(new Rectangle(0, 0, 24, 20))).SaveAsPng(Path.Combine(input, "a.png"));
            card.Clone(m => m.Crop(new Rectangle(100, 50, 30, 16))).SaveAsJpeg(Path.Combine(input, "b.jpg"));
        }
        File.WriteAllText(Path.Combine(input, "c.png"), "not a picture");

        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{outputFolder}\" --scale 3 --provider cpu", Minutes5);
        output.WriteLine(log);
        Assert.Equal(1, exitCode);
        Assert.Contains("c.png FAILED", log);
        Assert.Contains("2 of 3 images", log);
        Assert.Equal((72, 60), Size(Path.Combine(outputFolder, "a.png")));
        Assert.Equal((90, 48), Size(Path.Combine(outputFolder, "b.png")));
        Assert.False(File.Exists(Path.Combine(outputFolder, "c.png")));
    }

    [Theory]
    [InlineData("no-such-image.png out.png", "neither an image file nor a folder", 2)]
    [InlineData("IN out.png --scale 5", "--scale must be a whole number from 2 to 4", 2)]
    [InlineData("IN out.png --provider tpu", "--provider must be auto, cuda or cpu", 2)]
    [InlineData("IN out.png --tile 32 --overlap 16", "--overlap 16 must be less than half the tile (32)", 2)]
    [InlineData("IN out.png --tile 8", "--overlap 4 must be less than half the tile (8)", 2)]
    [InlineData("IN out.png --compare IN", "is IN or OUT", 2)]
    [InlineData("IN out.png --compare c.bmp", "--compare 'c.bmp': cannot write that format", 2)]
    [InlineData("IN out.png --model missing.onnx", "missing.onnx", 1)]
    [InlineData("IN out.xyz", "cannot write '.xyz' files", 2)]
    [InlineData("IN out", "has no extension to pick the format", 2)]
    [InlineData("IN IN", "is also an input", 2)]
    [InlineData("IN out.png --tile 4096", "the largest tile that fits is", 2)]
    [InlineData("IN out.png --model .", "is a folder", 1)]
    [InlineData("IN out.png --precision int4", "--precision must be fp32 or int8, got 'int4'", 2)]
    [InlineData("IN out.png --precision int8 --model m.onnx", "--precision chooses between the embedded default models", 2)]
    [InlineData("DIR out.png", "names an image file; give a folder (e.g. 'out')", 2)]
    [InlineData("IN out.png --provider cuda", "or set --provider auto to run on the CPU", 1)]
    [InlineData("--help", "Usage: Upscale IN OUT", 0)]
    public void Upscale_BadArguments_SayWhatIsWrong(string arguments, string message, int expectedExitCode)
    {
        DotnetCli.Build(UpscaleProject);
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject,
            arguments.Replace("IN", $"\"{TestCard}\"").Replace("DIR", $"\"{Path.GetDirectoryName(TestCard)}\""), Minutes5);
        output.WriteLine(log);
        Assert.Equal(expectedExitCode, exitCode);
        Assert.Contains(message, log);
        Assert.DoesNotContain(nameof(SuperResolutionOptions), log);
        Assert.DoesNotContain(nameof(SuperResolutionOptions.FallbackToCpu), log);
    }

    [Fact]
    public void Upscale_ABadInputLeavesAnExistingOutputAsItWas()
    {
        DotnetCli.Build(UpscaleProject);
        byte[] card = File.ReadAllBytes(TestCard);
        string truncated = Path.Combine(_temp, "cut.png"), existing = Path.Combine(_temp, "existing.png");
        File.WriteAllBytes(truncated, card[..(card.Length * 3 / 4)]);
        File.WriteAllBytes(existing, [1, 2, 3]);
        var (exitCode, log) = DotnetCli.RunSample(UpscaleProject, $"\"{truncated}\" \"{existing}\" --provider cpu", Minutes5);
        output.WriteLine(log);
        Assert.Equal(1, exitCode);
        Assert.Contains("is truncated", log);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));
        Assert.Equal(["cut.png", "existing.png"], Directory.GetFiles(_temp).Select(Path.GetFileName).Order().ToArray());
    }

    [Fact]
    public void Upscale_CtrlC_StopsBetweenTilesAndWritesNothing()
    {
        DotnetCli.Build(UpscaleProject);
        string stopped = Path.Combine(_temp, "stopped.png");
        var (exitCode, log) = DotnetCli.RunAndInterrupt(UpscaleProject,
            $"\"{Path.Combine(SharedData.Data, "Set14", "baboon.png")}\" \"{stopped}\" --provider cpu --self-ensemble",
            readyLine: "embedded hspan-x2", delay: TimeSpan.FromSeconds(2), timeout: Minutes5);
        output.WriteLine(log);
        Assert.Equal(130, exitCode);
        Assert.Contains("Stopped: baboon.png abandoned", log);
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public void Upscale_ShardsShareAFolderAndAKilledRunResumes()
    {
        DotnetCli.Build(UpscaleProject);
        string input = Path.Combine(_temp, "photos"), outputFolder = Path.Combine(_temp, "large");
        var expected = new List<string>();
        using (var card = Image.Load<Rgba32>(TestCard))
            for (int i = 0; i < 9; i++)
            {
                string relative = Path.Combine(i % 2 == 0 ? "even" : Path.Combine("odd", "deeper"), $"p{i}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(input, relative))!);
                card.Clone(m => m.Crop(new Rectangle(10 * i, 5 * i, 40, 32))).SaveAsPng(Path.Combine(input, relative));
                expected.Add(relative);
            }
        string model = Path.Combine(_temp, "nearest-x2.onnx");
        File.WriteAllBytes(model, TestOnnxModels.Resize(2));

        // Three processes at once, one shard each, over one folder.
        var shards = Enumerable.Range(0, 3).Select(k => Task.Run(() =>
            DotnetCli.RunSample(UpscaleProject, $"\"{input}\" \"{outputFolder}\" --recursive --shard {k}/3 --model \"{model}\" --provider cpu", Minutes5))).ToArray();
        Task.WaitAll(shards);
        int claimed = 0;
        foreach (var shard in shards)
        {
            output.WriteLine(shard.Result.Output);
            Assert.Equal(0, shard.Result.ExitCode);
            claimed += int.Parse(System.Text.RegularExpressions.Regex.Match(shard.Result.Output, @"Shard \d/3: (\d+) image").Groups[1].Value);
        }
        Assert.Equal(9, claimed); // each file in exactly one shard
        AssertAllOutputsValid();

        // Killed after its first image, then rerun: the finished ones are skipped, the rest done, none partial.
        Directory.Delete(outputFolder, recursive: true);
        string slow = $"\"{input}\" \"{outputFolder}\" --recursive --provider cpu --self-ensemble";
        var (_, killedLog) = DotnetCli.RunAndInterrupt(UpscaleProject, slow, readyLine: "[1/9]", delay: TimeSpan.Zero, timeout: Minutes5, signal: "KILL");
        output.WriteLine(killedLog);
        var (exitCode, rerunLog) = DotnetCli.RunSample(UpscaleProject, slow, Minutes5);
        output.WriteLine(rerunLog);
        Assert.Equal(0, exitCode);
        Assert.Matches(@"Skipped [1-8] image\(s\) whose output exists", rerunLog);
        AssertAllOutputsValid();

        void AssertAllOutputsValid()
        {
            var written = Directory.GetFiles(outputFolder, "*.png", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outputFolder, f)).Order().ToList();
            Assert.Equal(expected.Order(), written);
            foreach (string relative in written)
                Assert.Equal((80, 64), Size(Path.Combine(outputFolder, relative)));
        }
    }

    [Fact]
    public void Upscale_InPlaceReplacesAFoldersImages_AndOutputsInsideTheInputAreNotTakenForInputs()
    {
        DotnetCli.Build(UpscaleProject);
        string folder = Path.Combine(_temp, "album");
        Directory.CreateDirectory(folder);
        using (var card = Image.Load<Rgba32>(TestCard))
            for (int i = 0; i < 2; i++)
                card.Clone(m => m.Crop(new Rectangle(20 * i, 10, 30, 20))).SaveAsPng(Path.Combine(folder, $"p{i}.png"));
        string model = Path.Combine(_temp, "nearest-x2.onnx");
        File.WriteAllBytes(model, TestOnnxModels.Resize(2));

        // OUT inside IN, recursive: a rerun must not upscale the first run's outputs again.
        string inner = Path.Combine(folder, "x2");
        for (int run = 0; run < 2; run++)
        {
            var (code, log) = DotnetCli.RunSample(UpscaleProject, $"\"{folder}\" \"{inner}\" --recursive --model \"{model}\" --provider cpu", Minutes5);
            output.WriteLine(log);
            Assert.Equal(0, code);
        }
        Assert.Equal(["p0.png", "p1.png"], Directory.GetFiles(inner, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(inner, f)).Order().ToArray());
        Directory.Delete(inner, recursive: true);

        // OUT equal to IN: refused without --in-place, done with it (the existing inputs are not "already done").
        var (refused, refusal) = DotnetCli.RunSample(UpscaleProject, $"\"{folder}\" \"{folder}\" --model \"{model}\" --provider cpu", Minutes5);
        Assert.Equal(2, refused);
        Assert.Contains("is also an input", refusal);
        var (exitCode, inPlace) = DotnetCli.RunSample(UpscaleProject, $"\"{folder}\" \"{folder}\" --in-place --model \"{model}\" --provider cpu", Minutes5);
        output.WriteLine(inPlace);
        Assert.Equal(0, exitCode);
        Assert.Equal((60, 40), Size(Path.Combine(folder, "p0.png")));
        Assert.Equal((60, 40), Size(Path.Combine(folder, "p1.png")));
    }

    [Fact]
    public void Pipeline_FitsSavesLoadsAndPredicts()
    {
        const string project = "samples/Pipeline/Pipeline.csproj";
        DotnetCli.Build(project);
        var (exitCode, log) = DotnetCli.RunSample(project, "", Minutes5);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        Assert.Contains("LoadImagesChecked -> SuperResolve -> ResizeImages -> ExtractPixels -> KMeans(3) on 15 images", log);
        Assert.Contains("48x48 -> 96x96", log);
        Assert.Contains("The loaded pipeline predicts exactly as the fitted one.", log);
    }

    [Fact]
    public void TrainAndExport_TrainsExportsScoresAndRunsTheModelInSuperResolve()
    {
        const string project = "samples/TrainAndExport/TrainAndExport.csproj";
        DotnetCli.Build(project);
        var (exitCode, log) = DotnetCli.RunSample(project, $"--iterations 30 --out \"{Path.Combine(_temp, "run")}\"", Minutes5);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        Assert.Contains("Trained 30 iterations", log);
        Assert.True(File.Exists(Path.Combine(_temp, "run", "tiny-hspan-x2.onnx")), log);
        Assert.Contains("SuperResolve with the trained model: test-card.png 240x160 -> 480x320.", log);
    }

    private static (int, int) Size(string path)
    {
        var info = Image.Identify(path) ?? throw new InvalidDataException(path);
        return (info.Width, info.Height);
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);
}
