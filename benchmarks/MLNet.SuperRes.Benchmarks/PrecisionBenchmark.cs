using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// precision: the float32 and int8 models of one scale through <see cref="SuperResolver"/> on the same image,
/// same tiles and threads, taking turns (a warm-up each, then <c>repeats</c> rounds), so that the machine's
/// changing load falls on both alike. Prints every time, the medians and the ratio; with <c>--profile</c>,
/// ONNX Runtime's per-operator totals over the image's tiles for each model.
/// </summary>
internal static class PrecisionBenchmark
{
    public static int Run(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("image", out string? imagePath))
        {
            Console.Error.WriteLine("precision needs --image <photo.png>");
            return 2;
        }
        int crop = int.Parse(options.GetValueOrDefault("crop", "256"), CultureInfo.InvariantCulture);
        int scale = int.Parse(options.GetValueOrDefault("scale", "2"), CultureInfo.InvariantCulture);
        int repeats = int.Parse(options.GetValueOrDefault("repeats", "7"), CultureInfo.InvariantCulture);
        int? threads = options.TryGetValue("threads", out string? t) ? int.Parse(t, CultureInfo.InvariantCulture) : null;

        using var image = CentreCrop(MLImage.CreateFromFile(imagePath), crop);
        SuperResolutionOptions Settings(string key, ModelPrecision precision) => options.TryGetValue(key, out string? path)
            ? new SuperResolutionOptions { ModelPath = path, Scale = scale, IntraOpNumThreads = threads }
            : new SuperResolutionOptions { Scale = scale, DefaultModelPrecision = precision, IntraOpNumThreads = threads };
        var fp32Settings = Settings("fp32", ModelPrecision.Float32);
        var int8Settings = Settings("int8", ModelPrecision.Int8);
        using var fp32 = new SuperResolver(fp32Settings);
        using var int8 = new SuperResolver(int8Settings);
        int tile = SuperResolver.EffectiveTileSize(fp32Settings);
        Console.WriteLine($"{Path.GetFileName(imagePath)} centre {image.Width}x{image.Height} x{scale}, tile {tile}, overlap {fp32Settings.TileOverlap}, " +
                          $"threads {threads?.ToString(CultureInfo.InvariantCulture) ?? "ORT default"}, {Environment.ProcessorCount} cores, {repeats} alternating rounds");

        var times = Program.InterleavedSeconds([() => fp32.Upscale(image).Dispose(), () => int8.Upscale(image).Dispose()], repeats);
        string Row(List<double> list) => string.Join(" ", list.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));
        Console.WriteLine($"fp32 s: {Row(times[0])}  median {Program.Median(times[0]):F2}");
        Console.WriteLine($"int8 s: {Row(times[1])}  median {Program.Median(times[1]):F2}");
        var ratios = times[1].Zip(times[0], (a, b) => a / b).ToList();
        Console.WriteLine($"int8 / fp32: median-of-medians {Program.Median(times[1]) / Program.Median(times[0]):F3}, per round {Row(ratios.Select(r => Math.Round(r, 3)).ToList())} " +
                          $"(min {ratios.Min():F3}, max {ratios.Max():F3})");

        if (options.ContainsKey("profile"))
        {
            Profile("fp32", ModelBytes(fp32Settings, ModelPrecision.Float32), image, tile, fp32Settings.TileOverlap, scale, threads);
            Profile("int8", ModelBytes(int8Settings, ModelPrecision.Int8), image, tile, int8Settings.TileOverlap, scale, threads);
        }
        return 0;
    }

    private static byte[] ModelBytes(SuperResolutionOptions settings, ModelPrecision precision) =>
        settings.ModelPath is string path ? File.ReadAllBytes(path) : DefaultModels.Read(settings.Scale ?? 2, precision);

    /// <summary>ONNX Runtime's profile over the tiles the engine cuts from the image, summed per operator type.</summary>
    private static void Profile(string label, byte[] model, MLImage image, int tile, int overlap, int scale, int? threads)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"superres-profile-{label}-{Environment.ProcessId}");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is int n) options.IntraOpNumThreads = n;
        options.OptimizedModelFilePath = prefix + "-optimized.onnx";
        options.ProfileOutputPathPrefix = prefix; // read when profiling is switched on
        options.EnableProfiling = true;
        using var session = new InferenceSession(model, options);
        var tiles = Program.Tiles(image, tile, overlap, scale).ToList();
        using var runOptions = new RunOptions();
        foreach (var t in tiles)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(t.Input, [1, 3, t.Height, t.Width]);
            using var outputs = session.Run(runOptions, [OnnxContract.InputName], [value], [OnnxContract.OutputName]);
        }
        string file = session.EndProfiling();
        var totals = new Dictionary<string, (double Us, int Count)>();
        double all = 0;
        using (var json = JsonDocument.Parse(File.ReadAllText(file)))
            foreach (var e in json.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || !e.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var op)) continue;
                if (!e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                double us = e.GetProperty("dur").GetDouble();
                var key = op.GetString()!;
                var (sum, count) = totals.GetValueOrDefault(key);
                totals[key] = (sum + us, count + 1);
                all += us;
            }
        Console.WriteLine($"{label}: {tiles.Count} tiles of {tiles[0].Width}x{tiles[0].Height} (profile {file}, optimized graph {options.OptimizedModelFilePath}); operator time {all / 1e6:F2} s");
        foreach (var (op, (us, count)) in totals.OrderByDescending(p => p.Value.Us).Take(12))
            Console.WriteLine($"  {op,-22} {us / 1e6,7:F3} s  {100 * us / all,5:F1}%  {count / tiles.Count,4} per tile");
    }

    private static MLImage CentreCrop(MLImage image, int side)
    {
        using (image)
        {
            int width = Math.Min(side, image.Width), height = Math.Min(side, image.Height);
            int left = (image.Width - width) / 2, top = (image.Height - height) / 2;
            var source = image.Pixels;
            var pixels = new byte[width * height * 4];
            for (int y = 0; y < height; y++)
                source.Slice(((top + y) * image.Width + left) * 4, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
            return MLImage.CreateFromPixels(width, height, image.PixelFormat, pixels);
        }
    }
}
