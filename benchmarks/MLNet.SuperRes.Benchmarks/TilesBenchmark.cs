using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// tiles: square images of sides 100 to 1000 (a photo mirrored out to the size) through the default x2 model, cut
/// with the automatic tile (which may grow by up to the mirrored margin where the margin would add a row or column of
/// tiles) and with TileSize 40 given explicitly (which never grows): tiles per image, time, and the PSNR between the
/// two outputs.
/// </summary>
internal static class TilesBenchmark
{
    public static int Run(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("image", out string? imagePath))
        {
            Console.Error.WriteLine("tiles needs --image <photo.png>");
            return 2;
        }
        var sides = options.GetValueOrDefault("sides", "100,200,300,400,500,600,700,800,900,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        using var photo = MLImage.CreateFromFile(imagePath);
        using var automatic = new SuperResolver(2);
        using var fixedTile = new SuperResolver(new SuperResolutionOptions { Scale = 2, TileSize = automatic.TileSize });
        var counter = new TileCounter();
        Console.WriteLine($"x2, tile {automatic.TileSize} (overlap {new SuperResolutionOptions().TileOverlap}, margin {TiledUpscaler.BorderPadding}); {Path.GetFileName(imagePath)} mirrored to each size");
        Console.WriteLine("| side | tiles, fixed 40 | tiles, automatic (tile side) | time fixed s | time automatic s | PSNR automatic vs fixed |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (int side in sides)
        {
            using var image = Mirrored(photo, side);
            var clock = Stopwatch.StartNew();
            using var a = fixedTile.Upscale(image, counter);
            double fixedSeconds = clock.Elapsed.TotalSeconds;
            int fixedTiles = counter.TakeTotal();
            clock.Restart();
            using var b = automatic.Upscale(image, counter);
            double automaticSeconds = clock.Elapsed.TotalSeconds;
            int automaticTiles = counter.TakeTotal();
            var agreement = new OutputAgreement();
            agreement.Add(RgbImage.FromRgba32(a.Pixels.ToArray(), a.Width, a.Height), RgbImage.FromRgba32(b.Pixels.ToArray(), b.Width, b.Height));
            double psnr = agreement.Psnr;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {side} | {fixedTiles} | {automaticTiles} ({automatic.Tiles.TileLengthFor(side)}) | {fixedSeconds:F2} | {automaticSeconds:F2} | {(double.IsInfinity(psnr) ? "identical" : $"{psnr:F1} dB")} |"));
        }
        return 0;
    }

    private sealed class TileCounter : IProgress<SuperResolutionProgress>
    {
        private int total;
        public void Report(SuperResolutionProgress value) => total = value.TileCount;
        public int TakeTotal() => Interlocked.Exchange(ref total, 0);
    }

    private static MLImage Mirrored(MLImage photo, int side)
    {
        var source = photo.Pixels;
        var pixels = new byte[side * side * 4];
        static int Reflect(int i, int n) { int period = 2 * n; i %= period; return i < n ? i : period - 1 - i; }
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                source.Slice((Reflect(y, photo.Height) * photo.Width + Reflect(x, photo.Width)) * 4, 4).CopyTo(pixels.AsSpan((y * side + x) * 4));
        return MLImage.CreateFromPixels(side, side, photo.PixelFormat, pixels);
    }
}
