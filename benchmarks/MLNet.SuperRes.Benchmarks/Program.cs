using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Image;
using MLNet.SuperRes;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;
using MLNet.SuperRes.Tests.TestData;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// bench: the SuperResolve stage (pipeline cursor reading the output column) against a bare ONNX Runtime
/// session running the very same tiles, to measure the stage's overhead.
/// make-model: writes one of the test models. roundtrip-save / roundtrip-load: save a pipeline in one
/// process and check its pixels after loading it in another.
/// </summary>
public static class Program
{
    private const string Usage = """
        Usage:
          bench [--model tiny|deep|<path.onnx>] [--sizes 128,512 | --image <photo.png>] [--images 4] [--repeats 5] [--gpu <id>] [--threads <n>]
          make-model <tiny|deep|nearest> <scale> <path.onnx>
          roundtrip-save <set5-folder> <model.zip> <hashes.txt>
          roundtrip-load <set5-folder> <model.zip> <hashes.txt> [--no-register]
          borders    uniform images of 1x1 to 100x100 through the default models: mean and worst-corner error
          precision  --image <photo.png> [--crop 256] [--scale 2] [--repeats 7] [--threads <n>] [--models label=spec,...] [--profile]
                     models through SuperResolver on a centre crop of the photo, alternating, same tiles and threads (spec:
                     default-fp32, default-int8 or a model file, and @N for an explicit TileSize N; default
                     "fp32=default-fp32,int8=default-int8"), each against
                     the first; --profile adds ONNX Runtime's per-operator time over the engine's tiles of that image for each
          tiles      --image <photo.png> [--sides 100,...,1000]
                     squares of each side through the default x2 model with the automatic tile and with it given
                     explicitly: tiles per image, time, PSNR between the two outputs
          service    [--service samples/Service/bin/Release/net10.0/Service.dll] [--image <photo.png>] [--images 8] [--clients 1,2,4] [-- <service settings>]
                     the upscaling service as its own process on loopback: images/s, latency p50/p95 and the server's peak
                     memory with 1, 2 and 4 clients each sending the image one request after another
          agreement  --old <folder> --data <set>[,<set>] [--scales 2,3,4] [--precision fp32|int8] [--tile N] [--previous-body]
                     the embedded defaults against the models of the same names in <folder> (say, from the repository's
                     history) through SuperResolver, as SR papers score: PSNR-Y / SSIM of each, and how many 8-bit values differ
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var options = ParseOptions(args.Skip(1));
        switch (args[0])
        {
            case "bench":
                return Bench(options);
            case "make-model" when args.Length == 4:
                File.WriteAllBytes(args[3], MakeModel(args[1], int.Parse(args[2])));
                return 0;
            case "roundtrip-save" when args.Length == 4:
                return RoundTripSave(args[1], args[2], args[3]);
            case "roundtrip-load" when args.Length >= 4:
                return RoundTripLoad(args[1], args[2], args[3], register: !args.Contains("--no-register"));
            case "borders":
                return Borders();
            case "precision":
                return PrecisionBenchmark.Run(options);
            case "agreement":
                return AgreementBenchmark.Run(options);
            case "tiles":
                return TilesBenchmark.Run(options);
            case "service":
                return ServiceBenchmark.Run(ParseOptions(args.Skip(1).TakeWhile(a => a != "--")), args.SkipWhile(a => a != "--").Skip(1));
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>
    /// Uniform images of several sizes and colours through each default model: how far the output strays from
    /// the colour, on average and at the four corners (levels), which shows what happens at image borders.
    /// </summary>
    private static int Borders()
    {
        (byte R, byte G, byte B)[] colours = [(0, 129, 253), (255, 255, 255), (0, 0, 0), (90, 200, 30)];
        foreach (int scale in new[] { 2, 3, 4 })
        {
            using var resolver = new SuperResolver(scale);
            foreach (var (width, height) in new[] { (1, 1), (1, 64), (64, 1), (2, 2), (3, 3), (7, 5), (16, 16), (40, 40), (100, 100) })
            {
                double sum = 0, corner = 0;
                long count = 0;
                foreach (var colour in colours)
                {
                    var pixels = new byte[width * height * 4];
                    for (int i = 0; i < width * height; i++)
                        (pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]) = (colour.R, colour.G, colour.B, (byte)255);
                    using var output = resolver.Upscale(pixels, width, height, MLPixelFormat.Rgba32);
                    var result = output.Pixels;
                    int w = output.Width, h = output.Height;
                    byte[] expected = [colour.R, colour.G, colour.B];
                    for (int i = 0; i < w * h; i++)
                        for (int c = 0; c < 3; c++, count++)
                            sum += Math.Abs(result[4 * i + c] - expected[c]);
                    foreach (var (x, y) in new[] { (0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1) })
                        for (int c = 0; c < 3; c++)
                            corner = Math.Max(corner, Math.Abs(result[4 * (y * w + x) + c] - expected[c]));
                }
                Console.WriteLine($"x{scale} {width}x{height}: mean {sum / count:F2}, worst corner {corner}");
            }
        }
        return 0;
    }

    private static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string>();
        string? key = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
                result[key = arg[2..]] = "";
            else if (key is not null)
                result[key] = arg;
        }
        return result;
    }

    private static byte[] MakeModel(string kind, int scale) => kind switch
    {
        "tiny" => TestOnnxModels.ConvUpscaler(scale),
        "deep" => TestOnnxModels.DeepConvUpscaler(scale),
        "nearest" => TestOnnxModels.Resize(scale),
        _ => File.ReadAllBytes(kind),
    };

    public sealed class ImageRow
    {
        public MLImage? Image { get; set; }
    }

    private static int Bench(Dictionary<string, string> options)
    {
        string modelName = options.GetValueOrDefault("model", "tiny");
        byte[] model = MakeModel(modelName, 2);
        int[] sizes = options.TryGetValue("image", out string? imagePath)
            ? [0] // one pass over the photograph, whatever its size
            : options.GetValueOrDefault("sizes", "128,512").Split(',').Select(int.Parse).ToArray();
        int imageCount = int.Parse(options.GetValueOrDefault("images", "4"));
        int repeats = int.Parse(options.GetValueOrDefault("repeats", "5"));
        var settings = new SuperResolutionOptions
        {
            OutputColumnName = "Sr",
            InputColumnName = "Image",
            ModelBytes = model,
            GpuDeviceId = options.TryGetValue("gpu", out string? gpu) ? int.Parse(gpu) : null,
            IntraOpNumThreads = options.TryGetValue("threads", out string? threads) ? int.Parse(threads) : null,
        };

        var mlContext = new MLContext(seed: 1);
        var estimator = mlContext.Transforms.SuperResolve(settings);
        TilePlan plan;
        using (var probe = new SuperResolver(settings)) plan = probe.Tiles;
        Console.WriteLine($"model {modelName} (x{estimator.Scale}), tile {plan.TileSize} (up to {plan.LargestTile}), overlap {plan.Overlap}, " +
            $"{imageCount} images per pass, median of {repeats} passes, {Environment.ProcessorCount} cores");
        Console.WriteLine("size     | tiles/image | stage ms/image | direct ms/image | bare ORT ms/image | stage overhead");

        foreach (int size in sizes)
        {
            // HSPAN's cost depends on content (the soft thresholding takes more steps on rows with wide
            // supports), so a real photograph (--image) gives the honest figure.
            var images = Enumerable.Range(0, imageCount)
                .Select(i => options.TryGetValue("image", out string? photo) ? MLImage.CreateFromFile(photo) : Image(size, seed: i)).ToList();
            var data = mlContext.Data.LoadFromEnumerable(images.Select(image => new ImageRow { Image = image }));
            using var transformer = estimator.Fit(data);
            var transformed = transformer.Transform(data);
            void StagePass()
            {
                using var cursor = transformed.GetRowCursor(transformed.Schema.Where(c => c.Name == "Sr"));
                var getter = cursor.GetGetter<MLImage>(transformed.Schema["Sr"]);
                MLImage output = null!;
                while (cursor.MoveNext())
                    getter(ref output);
                output?.Dispose();
            }

            var tiles = images.SelectMany(image => Tiles(image, plan, estimator.Scale)).ToList();
            using var sessionOptions = settings.GpuDeviceId is int device ? SessionOptions.MakeSessionOptionWithCudaProvider(device) : new SessionOptions();
            if (settings.GpuDeviceId is null) AttentionKernel.TryRegister(sessionOptions); // as the stage's CPU session
            if (settings.IntraOpNumThreads is int n)
                sessionOptions.IntraOpNumThreads = n;
            using var session = new InferenceSession(model, sessionOptions);
            using var runOptions = new RunOptions();
            void BarePass()
            {
                foreach (var tile in tiles)
                {
                    using var input = OrtValue.CreateTensorValueFromMemory(tile.Input, [1, 3, tile.Height, tile.Width]);
                    using var output = OrtValue.CreateTensorValueFromMemory(tile.Output, [1, 3, tile.Height * estimator.Scale, tile.Width * estimator.Scale]);
                    session.Run(runOptions, ["input"], [input], ["output"], [output]);
                }
            }

            using var resolver = new SuperResolver(settings);
            void DirectPass()
            {
                foreach (var image in images)
                    resolver.Upscale(image).Dispose();
            }

            double[] medians = InterleavedMedians([StagePass, DirectPass, BarePass], repeats);
            var (stage, direct, bare) = (medians[0] / imageCount, medians[1] / imageCount, medians[2] / imageCount);
            Console.WriteLine($"{images[0].Width}x{images[0].Height,-4} | {tiles.Count / imageCount,11} | {stage,14:F2} | {direct,15:F2} | {bare,17:F2} | {100 * (stage / bare - 1),7:F1}%");
            images.ForEach(image => image.Dispose());
        }
        return 0;
    }

    /// <summary>
    /// Median time of each pass, the passes taking turns (after one warm-up each) so that a change of machine
    /// load affects them alike.
    /// </summary>
    private static double[] InterleavedMedians(Action[] passes, int repeats) =>
        InterleavedSeconds(passes, repeats).Select(t => 1000 * Median(t)).ToArray();

    /// <summary>Every round's time of each pass in seconds, the passes taking turns after one warm-up each.</summary>
    internal static List<double>[] InterleavedSeconds(Action[] passes, int repeats)
    {
        foreach (var pass in passes)
            pass();
        var times = passes.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < repeats; i++)
            for (int p = 0; p < passes.Length; p++)
            {
                var watch = Stopwatch.StartNew();
                passes[p]();
                times[p].Add(watch.Elapsed.TotalSeconds);
            }
        return times;
    }

    internal static double Median(IReadOnlyCollection<double> values) => values.Order().ElementAt(values.Count / 2);

    internal sealed record Tile(float[] Input, float[] Output, int Height, int Width);

    /// <summary>The tiles the stage runs for <paramref name="image"/>, mirrored margin included: cut by the engine itself.</summary>
    internal static IEnumerable<Tile> Tiles(MLImage image, TilePlan plan, int scale)
    {
        var recorder = new TileRecorder(scale);
        new TiledUpscaler(recorder, plan, selfEnsemble: false).Upscale(image.Pixels, image.Width, image.Height, image.PixelFormat);
        return recorder.Tiles;
    }

    /// <summary>Keeps a copy of every tile the engine hands it (and answers with zeros).</summary>
    private sealed class TileRecorder(int scale) : ITileNetwork
    {
        public List<Tile> Tiles { get; } = [];

        public int Scale => scale;

        public void Run(Memory<float> input, int height, int width, Memory<float> output)
        {
            Tiles.Add(new Tile(input.ToArray(), new float[output.Length], height, width));
            output.Span.Clear();
        }
    }

    /// <summary>A textured test image: gradients plus noise.</summary>
    private static MLImage Image(int size, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[size * size * 4];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int i = (y * size + x) * 4;
                pixels[i] = (byte)Math.Clamp(40 + 150 * x / size + random.Next(-20, 20), 0, 255);
                pixels[i + 1] = (byte)Math.Clamp(40 + 150 * y / size + random.Next(-20, 20), 0, 255);
                pixels[i + 2] = (byte)Math.Clamp(120 + random.Next(-60, 60), 0, 255);
                pixels[i + 3] = 255;
            }
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, pixels);
    }

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private static readonly string[] Set5 = ["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"];

    /// <summary>Saves LoadImages → SuperResolve (asymmetric test model, self-ensemble, small tiles) and the output hashes.</summary>
    private static int RoundTripSave(string set5Folder, string modelPath, string hashesPath)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Set5.Select(p => new ImagePath { Path = p }));
        var pipeline = mlContext.Transforms.LoadImages("Image", set5Folder, "Path")
            .Append(mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Image", ModelBytes = TestOnnxModels.ConvUpscaler(2, asymmetric: true),
                TileSize = 48, TileOverlap = 8, SelfEnsemble = true,
            }));
        var model = pipeline.Fit(data);
        mlContext.Model.Save(model, data.Schema, modelPath);
        File.WriteAllLines(hashesPath, Hashes(model.Transform(data)));
        Console.WriteLine($"saved {modelPath} ({new FileInfo(modelPath).Length} bytes) and {Set5.Length} output hashes");
        return 0;
    }

    /// <summary>Loads the saved pipeline in this (fresh) process and compares the output hashes.</summary>
    private static int RoundTripLoad(string set5Folder, string modelPath, string hashesPath, bool register)
    {
        var mlContext = new MLContext(seed: 1);
        if (register)
            RegisterSuperResolution(mlContext);
        ITransformer model;
        try
        {
            model = mlContext.Model.Load(modelPath, out _);
        }
        catch (Exception e)
        {
            Console.WriteLine($"load failed ({(register ? "assembly registered" : "assembly not registered")}): {e.GetType().Name}: {e.Message}");
            return 1;
        }
        var data = mlContext.Data.LoadFromEnumerable(Set5.Select(p => new ImagePath { Path = p }));
        string[] expected = File.ReadAllLines(hashesPath);
        string[] actual = Hashes(model.Transform(data));
        bool same = expected.SequenceEqual(actual);
        Console.WriteLine(same ? $"same pixels for all {actual.Length} images after loading in a fresh process" : "PIXELS DIFFER");
        return same ? 0 : 1;
    }

    private static void RegisterSuperResolution(MLContext mlContext) =>
        mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly);

    private static string[] Hashes(IDataView data)
    {
        var hashes = new List<string>();
        using var cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == "Sr"));
        var getter = cursor.GetGetter<MLImage>(data.Schema["Sr"]);
        MLImage image = null!;
        while (cursor.MoveNext())
        {
            getter(ref image);
            hashes.Add($"{image.Width}x{image.Height} {Convert.ToHexString(SHA256.HashData(image.Pixels))}");
        }
        return hashes.ToArray();
    }
}
