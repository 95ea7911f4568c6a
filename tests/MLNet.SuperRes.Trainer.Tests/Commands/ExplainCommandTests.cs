using System.Text.Json;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Trainer.Tests.Explain;

namespace MLNet.SuperRes.Trainer.Tests.Commands;

public class ExplainCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-explain-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ExplainCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Checkpoint()
    {
        string path = Path.Combine(dir, "small.safetensors");
        using var model = AttentionProbeTests.SmallNetwork();
        HspanCheckpoint.Save(model, path);
        return path;
    }

    private string Image(int width = 50, int height = 30)
    {
        string path = Path.Combine(dir, "image.png");
        using var image = TestImages.Texture(width, height, seed: 11);
        ImageFiles.Save(image, path);
        return path;
    }

    [Fact]
    public void WritesAPicturePerBlock_TheSupportMaps_AndTheJson()
    {
        string output = Path.Combine(dir, "out");
        var (code, text, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", Image(), "--pixel", "45,3", "--out", output, "--tile", "20");
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("block 2: under soft thresholding the pixel attends to", text);

        Assert.Equal(new[] { "attention-block1.png", "attention-block2.png", "explain.json", "support.png" },
            Directory.GetFiles(output).Select(Path.GetFileName).Order().ToArray());
        // Tiles are drawn at a whole zoom: 16x (320 pixels) for the two attention panels, 10x (200) for each support map.
        foreach (var (picture, width, height) in new[] { ("attention-block1.png", 2 * 320, 320), ("attention-block2.png", 2 * 320, 320), ("support.png", 2 * 200, 200) })
        {
            using var decoded = ImageFiles.Load(Path.Combine(output, picture));
            Assert.True(decoded.Width >= width && decoded.Height >= height, $"{picture}: {decoded.Width}x{decoded.Height}");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explain.json")));
        var root = json.RootElement;
        var tile = root.GetProperty("tile");
        var inTile = root.GetProperty("pixel_in_tile");
        Assert.Equal(20, tile.GetProperty("width").GetInt32());
        Assert.Equal(45, tile.GetProperty("left").GetInt32() + inTile.GetProperty("x").GetInt32());
        Assert.Equal(3, tile.GetProperty("top").GetInt32() + inTile.GetProperty("y").GetInt32());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(new[] { 1, 2 }, blocks.Select(b => b.GetProperty("block").GetInt32()));
        foreach (var block in blocks)
        {
            int positions = block.GetProperty("positions").GetInt32();
            Assert.Equal(400, positions);
            Assert.InRange(block.GetProperty("mean_support").GetDouble(), 1, positions);
            Assert.InRange(block.GetProperty("median_support").GetDouble(), 1, positions);
            Assert.InRange(block.GetProperty("max_support").GetInt32(), 1, positions);
            Assert.InRange(block.GetProperty("weight_on_top10").GetDouble(), 10.0 / positions, 1 + 1e-6);
            Assert.InRange(block.GetProperty("sparsemax_entropy").GetDouble(), 0, Math.Log(positions) + 1e-6);
            Assert.InRange(block.GetProperty("softmax_entropy").GetDouble(), 0, Math.Log(positions) + 1e-6);
            Assert.InRange(block.GetProperty("query").GetProperty("support").GetInt32(), 1, positions);
        }
    }

    [Fact]
    public void TheDefaultModelIsExplained()
    {
        string output = Path.Combine(dir, "default");
        string card = Path.Combine(SharedData.RepoRoot, "samples", "Upscale", "images", "test-card.png");
        var (code, text, error) = Run("--model", "default", "--scale", "2", "--image", card, "--pixel", "60,40", "--out", output);
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("40x40 tile", text);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explain.json")));
        Assert.Equal(4, json.RootElement.GetProperty("blocks").GetArrayLength());
    }

    [Theory]
    [InlineData("3", "--pixel must be X,Y")]
    [InlineData("-1,2", "--pixel must be X,Y")]
    [InlineData("a,b", "--pixel must be X,Y")]
    [InlineData("50,0", "is outside")]
    [InlineData("0,30", "is 50x30")]
    public void ABadPixelIsAUsageError(string pixel, string expected)
    {
        var (code, _, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", Image(), "--pixel", pixel, "--out", Path.Combine(dir, "out"));
        Assert.Equal(Verb.UsageError, code);
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void BadOptionsAreUsageErrors()
    {
        string checkpoint = Checkpoint(), image = Image();
        string file = Path.Combine(dir, "taken.txt");
        File.WriteAllText(file, "keep");
        string[] common = ["--model", checkpoint, "--scale", "2", "--image", image, "--pixel", "1,1"];
        Assert.Contains("is a file", Run([.. common, "--out", file]).Error);
        Assert.Equal("keep", File.ReadAllText(file));
        Assert.Contains("at most 128", Run([.. common, "--out", dir, "--tile", "200"]).Error);
        Assert.Contains("less than half the tile", Run([.. common, "--out", dir, "--tile", "16", "--overlap", "8"]).Error);
        Assert.Contains("unknown option '--colour'", Run([.. common, "--out", dir, "--colour", "red"]).Error);
        Assert.Contains("--out is required", Run(common).Error);
        Assert.Equal(Verb.UsageError, Run("--scale", "2", "--image", image, "--pixel", "1,1", "--out", dir).Code);
        Assert.Contains("--out is empty", Run([.. common, "--out", ""]).Error);
        Assert.Contains("write '--out pictures', not '--out=pictures'", Run([.. common, "--out=pictures"]).Error);
        var (code, _, error) = Run("--model", "default", "--scale", "5", "--image", image, "--pixel", "1,1", "--out", dir);
        Assert.Equal(Verb.UsageError, code);
        Assert.Contains("--model default has x2, x3, x4 models; for x5 give --model FILE", error);
    }

    [Fact]
    public void TheImageIsNeverAnOutput()
    {
        string folder = Path.Combine(dir, "pictures");
        Directory.CreateDirectory(folder);
        string image = Path.Combine(folder, "support.png");
        File.Copy(Image(), image);
        byte[] before = File.ReadAllBytes(image);
        var (code, _, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", image, "--pixel", "1,1", "--out", folder);
        Assert.Equal(Verb.UsageError, code);
        Assert.Contains("would overwrite the image", error);
        Assert.Equal(before, File.ReadAllBytes(image));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void ASecondRunReplacesTheSetAndRemovesPicturesOfBlocksItLacks()
    {
        string output = Path.Combine(dir, "out"), image = Image();
        string card = Path.Combine(SharedData.RepoRoot, "samples", "Upscale", "images", "test-card.png");
        Assert.Equal(0, Run("--model", "default", "--scale", "2", "--image", card, "--pixel", "3,3", "--out", output).Code);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        Assert.Equal(4, Directory.GetFiles(output, "attention-block*.png").Length);

        var (code, text, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", image, "--pixel", "3,3", "--out", output);
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("removed attention-block3.png, attention-block4.png", text);
        Assert.Equal(new[] { "attention-block1.png", "attention-block2.png", "explain.json", "notes.txt", "support.png" },
            Directory.GetFiles(output).Select(Path.GetFileName).Order().ToArray());
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void AFolderInTheWayOfAnOutputLeavesTheOldSetWhole()
    {
        string output = Path.Combine(dir, "out"), checkpoint = Checkpoint(), image = Image();
        Assert.Equal(0, Run("--model", checkpoint, "--scale", "2", "--image", image, "--pixel", "3,3", "--out", output).Code);
        var before = Directory.GetFiles(output).ToDictionary(f => f, File.ReadAllBytes);
        File.Delete(Path.Combine(output, "explain.json"));
        before.Remove(Path.Combine(output, "explain.json"));
        Directory.CreateDirectory(Path.Combine(output, "explain.json"));

        var (code, _, error) = Run("--model", checkpoint, "--scale", "2", "--image", image, "--pixel", "40,20", "--out", output);
        Assert.Equal(Verb.Failure, code);
        Assert.Contains("explain.json", error);
        Assert.Contains("nothing was written", error);
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(output, ".*")));
    }

    [Fact]
    public void TheSmallestTileTakesASmallerDefaultOverlap()
    {
        var (code, _, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", Image(), "--pixel", "49,29", "--out", Path.Combine(dir, "out"), "--tile", "8");
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Equal(3, ExplainCommand.Parse(["--model", "m", "--scale", "2", "--image", "i", "--pixel", "1,1", "--out", "o", "--tile", "8"]).Tiling.Overlap);
    }

    [Fact]
    public void ModelsItCannotExplainAreNamed()
    {
        string image = Image(), output = Path.Combine(dir, "out");
        string other = Path.Combine(dir, "other.onnx");
        File.WriteAllBytes(other, TestOnnxModels.OtherModel(2));
        var (code, _, error) = Run("--model", other, "--scale", "2", "--image", image, "--pixel", "1,1", "--out", output);
        Assert.Equal(Verb.Failure, code);
        Assert.Contains("other.onnx", error);
        Assert.Contains("not one written by", error);

        (code, _, error) = Run("--model", Checkpoint(), "--scale", "3", "--image", image, "--pixel", "1,1", "--out", output);
        Assert.Equal(Verb.UsageError, code);
        Assert.Contains("upscales by 2, but --scale is 3", error);

        (code, _, error) = Run("--model", Path.Combine(dir, "missing.pt"), "--scale", "2", "--image", image, "--pixel", "1,1", "--out", output);
        Assert.Equal(Verb.Failure, code);
        Assert.Contains("missing.pt", error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AnImageItCannotReadIsNamed()
    {
        string broken = Path.Combine(dir, "broken.png");
        File.WriteAllBytes(broken, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var (code, _, error) = Run("--model", Checkpoint(), "--scale", "2", "--image", broken, "--pixel", "1,1", "--out", Path.Combine(dir, "out"));
        Assert.Equal(Verb.Failure, code);
        Assert.Contains("broken.png", error);
    }
}
