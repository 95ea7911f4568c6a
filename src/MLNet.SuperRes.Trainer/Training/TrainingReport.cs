using System.Globalization;
using MLNet.SuperRes.Files;
using SkiaSharp;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>
/// <c>report.png</c>: training loss and validation PSNR against iterations, the best validation marked,
/// drawn from log.jsonl with SkiaSharp (the version ML.NET's image support pins; ScottPlot 5.1, the one
/// served, needs SkiaSharp 3, which breaks ML.NET's MLImage) and written whole, then renamed.
/// </summary>
public static class TrainingReport
{
    public const string FileName = "report.png";

    private const int Width = 900, PanelHeight = 300, Margin = 60;

    public static void Write(string folder, IReadOnlyList<TrainingLogEntry> entries)
    {
        // A rerun after a resume repeats iterations: the later entry of an iteration wins.
        var losses = Latest(entries.Where(e => e.Loss is not null), e => e.Loss!.Value);
        var psnrs = Latest(entries.Where(e => e.ValidationPsnr is not null), e => e.ValidationPsnr!.Value);
        var info = new SKImageInfo(Width, 2 * PanelHeight, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        long first = Math.Min(losses.FirstOrDefault().X, psnrs.FirstOrDefault().X), last = Math.Max(losses.LastOrDefault().X, psnrs.LastOrDefault().X);
        Panel(canvas, 0, "training loss (L1)", losses, first, last, best: null, SKColors.SteelBlue);
        (long, double)? best = psnrs.Count == 0 ? null : psnrs.MaxBy(p => p.Y);
        Panel(canvas, PanelHeight, "validation PSNR-Y (dB)", psnrs, first, last, best, SKColors.DarkOrange);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(Path.Combine(folder, FileName), stream => data.SaveTo(stream));
    }

    private static List<(long X, double Y)> Latest(IEnumerable<TrainingLogEntry> entries, Func<TrainingLogEntry, double> value) =>
        entries.GroupBy(e => e.Iteration).Select(g => (g.Key, value(g.Last()))).OrderBy(p => p.Key).ToList();

    private static void Panel(SKCanvas canvas, int top, string title, List<(long X, double Y)> points, long first, long last,
        (long X, double Y)? best, SKColor colour)
    {
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 14 };
        using var axis = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsStroke = true };
        using var line = new SKPaint { Color = colour, StrokeWidth = 2, IsStroke = true, IsAntialias = true };
        using var marker = new SKPaint { Color = SKColors.Crimson, IsAntialias = true };
        var plot = new SKRect(Margin, top + 30, Width - 20, top + PanelHeight - 40);
        canvas.DrawText(title, Margin, top + 20, text);
        canvas.DrawRect(plot, axis);
        if (points.Count == 0)
        {
            canvas.DrawText("no data yet", plot.MidX - 40, plot.MidY, text);
            return;
        }
        double low = points.Min(p => p.Y), high = points.Max(p => p.Y);
        if (high - low < 1e-9) { low -= 0.5; high += 0.5; }
        double span = Math.Max(1, last - first);
        SKPoint At((long X, double Y) p) => new(
            (float)(plot.Left + (p.X - first) / span * plot.Width),
            (float)(plot.Bottom - (p.Y - low) / (high - low) * plot.Height));
        using (var path = new SKPath())
        {
            path.MoveTo(At(points[0]));
            foreach (var p in points.Skip(1)) path.LineTo(At(p));
            canvas.DrawPath(path, line);
        }
        foreach (var p in points.Count <= 60 ? points : [])
            canvas.DrawCircle(At(p), 2.5f, line);
        string Label(double v) => v.ToString(Math.Abs(high - low) < 1 ? "F4" : "F2", CultureInfo.InvariantCulture);
        canvas.DrawText(Label(high), 4, plot.Top + 12, text);
        canvas.DrawText(Label(low), 4, plot.Bottom, text);
        canvas.DrawText(first.ToString(CultureInfo.InvariantCulture), plot.Left, plot.Bottom + 18, text);
        string lastLabel = $"{last.ToString(CultureInfo.InvariantCulture)} iterations";
        canvas.DrawText(lastLabel, plot.Right - text.MeasureText(lastLabel), plot.Bottom + 18, text);
        if (best is (long x, double y))
        {
            var at = At((x, y));
            canvas.DrawCircle(at, 6, marker);
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"best {y:F3} dB at {x}"), Math.Min(at.X + 8, plot.Right - 190), Math.Max(at.Y - 8, plot.Top + 14), text);
        }
    }
}
