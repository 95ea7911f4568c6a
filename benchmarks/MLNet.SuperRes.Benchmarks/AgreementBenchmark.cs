using System.Globalization;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// agreement: the embedded default models against other files of the same names (the previous exports, from
/// the repository's history) on test sets, both through <see cref="SuperResolver"/> with default tiles: PSNR-Y and
/// SSIM as SR papers score them (MATLAB bicubic LR, border shaved), and over all images how many 8-bit output
/// values differ between the two and by how much.
/// </summary>
internal static class AgreementBenchmark
{
    public static int Run(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("old", out string? folder) || !options.TryGetValue("data", out string? sets))
        {
            Console.Error.WriteLine("agreement needs --old <folder> --data <set>[,<set>]");
            return 2;
        }
        var precision = options.GetValueOrDefault("precision", "fp32") == "int8" ? ModelPrecision.Int8 : ModelPrecision.Float32;
        var scales = options.GetValueOrDefault("scales", "2,3,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        // An explicit tile cuts both alike (automatic tiles may differ: only the attention kernel's may grow into the margin).
        int tile = int.Parse(options.GetValueOrDefault("tile", "0"), CultureInfo.InvariantCulture);
        Console.WriteLine(tile > 0 ? $"Both with TileSize {tile}." : "Both with automatic tiles.");
        // --previous-body: the previous files' attention runs as the function's standard-op body (files of now, say, to compare kernel and body).
        bool previousBody = options.ContainsKey("previous-body");
        Console.WriteLine("| set | scale | previous PSNR-Y / SSIM | now PSNR-Y / SSIM | PSNR difference | values differing | largest difference |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var set in sets.Split(','))
            foreach (int scale in scales)
            {
                string file = Path.Combine(folder, $"hspan-x{scale}{(precision == ModelPrecision.Int8 ? "-int8" : "")}.onnx");
                using var previous = new OnnxModelUpscaler(new SuperResolutionOptions { ModelPath = file, Scale = scale, TileSize = tile, AttentionKernel = !previousBody });
                using var now = new OnnxModelUpscaler(new SuperResolutionOptions { Scale = scale, DefaultModelPrecision = precision, TileSize = tile });
                var outputs = new Dictionary<string, RgbImage>();
                var before = new Evaluator(previous, (name, image) => outputs[name] = image).EvaluateFolder(set, "previous", selfEnsemble: false);
                var agreement = new OutputAgreement();
                var after = new Evaluator(now, (name, image) => agreement.Add(outputs[name], image)).EvaluateFolder(set, "now", selfEnsemble: false);
                var (values, differing, largest) = (agreement.Values, agreement.Differing, agreement.Largest);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Path.GetFileName(set.TrimEnd('/'))} | x{scale} | {before.Mean.Psnr:F4} / {before.Mean.Ssim:F4} | {after.Mean.Psnr:F4} / {after.Mean.Ssim:F4} | " +
                    $"{after.Mean.Psnr - before.Mean.Psnr:+0.0000;-0.0000;0} dB | {differing} of {values} ({100.0 * differing / values:F4}%) | {largest} |"));
            }
        return 0;
    }
}
