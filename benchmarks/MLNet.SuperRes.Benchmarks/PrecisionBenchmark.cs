using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Engine.Attention;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// precision: models of one scale (by default the float32 and int8 defaults; or <c>--models label=spec,...</c>
/// where spec is <c>default-fp32</c>, <c>default-int8</c> or an .onnx path, a file from the repository's history
/// say) through <see cref="SuperResolver"/> on the same image, same tiles and threads, taking turns (a warm-up
/// each, then <c>repeats</c> rounds), so that the machine's changing load falls on all alike. Prints every time,
/// the medians and each model's ratio to the first; with <c>--profile</c>, ONNX Runtime's per-operator totals over
/// the image's tiles for each model, run as SuperResolve runs it (the attention kernel registered).
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
        // label=spec[@tile]: an explicit TileSize for that model (0, the default, is SuperResolve's automatic tile).
        var models = options.GetValueOrDefault("models", "fp32=default-fp32,int8=default-int8").Split(',')
            .Select(entry => entry.Split('=', 2)).Select(pair => (Label: pair[0], Spec: pair[^1].Split('@')))
            .Select(m => (m.Label, Bytes: ModelBytes(m.Spec[0], scale), Tile: m.Spec.Length > 1 ? int.Parse(m.Spec[1], CultureInfo.InvariantCulture) : 0)).ToList();
        var settings = models.Select(m => new SuperResolutionOptions { ModelBytes = m.Bytes, Scale = scale, IntraOpNumThreads = threads, TileSize = m.Tile }).ToList();
        var resolvers = settings.Select(s => new SuperResolver(s)).ToList();
        try
        {
            int tile = resolvers[0].TileSize;
            Console.WriteLine($"{Path.GetFileName(imagePath)} centre {image.Width}x{image.Height} x{scale}, tile {tile}, overlap {settings[0].TileOverlap}, " +
                              $"threads {threads?.ToString(CultureInfo.InvariantCulture) ?? "ORT default"}, {Environment.ProcessorCount} cores, {repeats} alternating rounds");
            foreach (var (resolver, model) in resolvers.Zip(models))
                if (resolver.TileSize != tile || resolver.AttentionKernelFailure is not null)
                    Console.WriteLine($"  {model.Label}: tile {resolver.TileSize}; {resolver.AttentionKernelFailure ?? "attention kernel registered"}");

            var times = Program.InterleavedSeconds(resolvers.Select(r => (Action)(() => r.Upscale(image).Dispose())).ToArray(), repeats);
            string Row(IEnumerable<double> list, string format) => string.Join(" ", list.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));
            int width = models.Max(m => m.Label.Length);
            for (int i = 0; i < models.Count; i++)
                Console.WriteLine($"{models[i].Label.PadRight(width)} s: {Row(times[i], "F2")}  median {Program.Median(times[i]):F2}");
            for (int i = 1; i < models.Count; i++)
            {
                var ratios = times[i].Zip(times[0], (a, b) => a / b).ToList();
                Console.WriteLine($"{models[i].Label} / {models[0].Label}: median-of-medians {Program.Median(times[i]) / Program.Median(times[0]):F3}, " +
                                  $"per round {Row(ratios, "F3")} (min {ratios.Min():F3}, max {ratios.Max():F3})");
            }
            if (options.ContainsKey("profile"))
                foreach (var (model, resolver) in models.Zip(resolvers))
                    Profile(model.Label, model.Bytes, image, resolver.Tiles, scale, threads);
        }
        finally
        {
            foreach (var resolver in resolvers) resolver.Dispose();
        }
        return 0;
    }

    private static byte[] ModelBytes(string spec, int scale) => spec switch
    {
        "default-fp32" => DefaultModels.Read(scale, ModelPrecision.Float32),
        "default-int8" => DefaultModels.Read(scale, ModelPrecision.Int8),
        _ => File.ReadAllBytes(spec),
    };

    /// <summary>ONNX Runtime's profile over the tiles the engine cuts from the image, summed per operator type.</summary>
    private static void Profile(string label, byte[] model, MLImage image, TilePlan tiles, int scale, int? threads)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"superres-profile-{label}-{Environment.ProcessId}");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is int n) options.IntraOpNumThreads = n;
        if (AttentionKernel.TryRegister(options) is { } failure) Console.WriteLine($"{label}: the attention kernel could not be registered: {failure}");
        options.OptimizedModelFilePath = prefix + "-optimized.onnx";
        options.ProfileOutputPathPrefix = prefix; // read when profiling is switched on
        options.EnableProfiling = true;
        using var session = new InferenceSession(model, options);
        var cut = Program.Tiles(image, tiles, scale).ToList();
        using var runOptions = new RunOptions();
        foreach (var t in cut)
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
        Console.WriteLine($"{label}: {cut.Count} tiles of {cut[0].Width}x{cut[0].Height} (profile {file}, optimized graph {options.OptimizedModelFilePath}); operator time {all / 1e6:F2} s");
        foreach (var (op, (us, count)) in totals.OrderByDescending(p => p.Value.Us).Take(12))
            Console.WriteLine($"  {op,-22} {us / 1e6,7:F3} s  {100 * us / all,5:F1}%  {count / cut.Count,4} per tile");
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
