using System.Globalization;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Files;
using SkiaSharp;

namespace MLNet.SuperRes.Trainer.Explain;

/// <summary>
/// explain's pictures, drawn with SkiaSharp (as the training report is) and written whole, then renamed: a query
/// pixel's attention over its tile beside softmax of the same scores, and every position's support size per block.
/// </summary>
internal static class AttentionPictures
{
    public const string SupportFileName = "support.png";

    public static string AttentionFileName(int block) => $"attention-block{block}.png";

    private const int Margin = 20, TitleHeight = 64, CaptionHeight = 22, BarHeight = 12, LegendHeight = 56;

    /// <summary>The query's soft-thresholded weights (left) and softmax of the same scores (right), each over the dimmed tile.</summary>
    public static void WriteAttention(string path, TileCut tile, BlockAttention block)
    {
        int zoom = Zoom(tile, 320);
        int panelWidth = tile.Width * zoom, panelHeight = tile.Height * zoom;
        int width = Math.Max(3 * Margin + 2 * panelWidth, 720);
        int height = TitleHeight + CaptionHeight + panelHeight + LegendHeight;
        int support = block.QueryWeights.Count(w => w > 0);
        Draw(path, width, height, canvas =>
        {
            using var text = Text(15);
            canvas.DrawText($"HSPA block {block.Block}: attention of the marked pixel over its {tile.Width}x{tile.Height} tile", Margin, 24, text);
            using var small = Text(13);
            canvas.DrawText("coloured: weight above 0 (brighter is more); the same raw scores on both sides", Margin, 46, small);
            int left = Margin;
            foreach (var (weights, caption) in new[]
            {
                (block.QueryWeights, $"soft thresholding: {support} of {block.Positions} positions"),
                (block.QuerySoftmax, $"softmax: all {block.Positions} positions"),
            })
            {
                canvas.DrawText(caption, left, TitleHeight + 15, small);
                var panel = SKRect.Create(left, TitleHeight + CaptionHeight, panelWidth, panelHeight);
                DrawHeatMap(canvas, panel, tile, weights);
                MarkQuery(canvas, panel, tile, zoom);
                DrawColourBar(canvas, left, panel.Bottom + 10, Math.Max(panelWidth, 200), "weight", 0, weights.Max());
                left += panelWidth + Margin;
            }
        });
    }

    /// <summary>For every position of the tile, how many positions it attends to, one map per block on one scale.</summary>
    public static void WriteSupport(string path, TileCut tile, IReadOnlyList<BlockAttention> blocks)
    {
        int zoom = Zoom(tile, 200);
        int cellWidth = tile.Width * zoom, cellHeight = tile.Height * zoom;
        int columns = Math.Min(blocks.Count, 4), rows = (blocks.Count + columns - 1) / columns;
        int width = Math.Max(Margin + columns * (cellWidth + Margin), 560);
        int height = TitleHeight + rows * (CaptionHeight + cellHeight + Margin) + LegendHeight;
        int positions = blocks[0].Positions, largest = blocks.Max(b => b.MaxSupport);
        Draw(path, width, height, canvas =>
        {
            using var text = Text(15);
            using var small = Text(13);
            canvas.DrawText($"Support size: positions each of the {positions} positions of the {tile.Width}x{tile.Height} tile attends to", Margin, 24, text);
            canvas.DrawText("(softmax would attend to all of them everywhere); the query pixel is marked", Margin, 46, small);
            for (int i = 0; i < blocks.Count; i++)
            {
                var block = blocks[i];
                float left = Margin + i % columns * (cellWidth + Margin);
                float top = TitleHeight + i / columns * (CaptionHeight + cellHeight + Margin);
                canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"block {block.Block}: median {block.MedianSupport:0.#}, max {block.MaxSupport}"),
                    left, top + 15, small);
                var cell = SKRect.Create(left, top + CaptionHeight, cellWidth, cellHeight);
                using var bitmap = new SKBitmap(tile.Width, tile.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
                for (int p = 0; p < block.Support.Length; p++)
                    bitmap.SetPixel(p % tile.Width, p / tile.Width, Colour(largest <= 1 ? 1 : (block.Support[p] - 1) / (float)(largest - 1)));
                DrawPixels(canvas, bitmap, cell);
                MarkQuery(canvas, cell, tile, zoom);
            }
            DrawColourBar(canvas, Margin, height - LegendHeight + 10, Math.Min(width - 2 * Margin, 400), "positions attended", 1, largest);
        });
    }

    private static int Zoom(TileCut tile, int target) => Math.Max(1, target / Math.Max(tile.Width, tile.Height));

    private static void Draw(string path, int width, int height, Action<SKCanvas> draw)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, stream => data.SaveTo(stream));
    }

    /// <summary>The tile in dimmed grey, the weights over it in colour (none where a weight is 0), scaled by the largest.</summary>
    private static void DrawHeatMap(SKCanvas canvas, SKRect panel, TileCut tile, float[] weights)
    {
        float largest = weights.Max();
        int plane = tile.Width * tile.Height;
        using var bitmap = new SKBitmap(tile.Width, tile.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int p = 0; p < plane; p++)
        {
            float luma = 0.299f * tile.Input[p] + 0.587f * tile.Input[plane + p] + 0.114f * tile.Input[2 * plane + p];
            byte grey = (byte)(40 + 100 * luma);
            var pixel = new SKColor(grey, grey, grey);
            if (weights[p] > 0 && largest > 0)
            {
                float t = weights[p] / largest;
                pixel = Blend(pixel, Colour(t), 0.2f + 0.8f * MathF.Sqrt(t));
            }
            bitmap.SetPixel(p % tile.Width, p / tile.Width, pixel);
        }
        DrawPixels(canvas, bitmap, panel);
    }

    private static void DrawPixels(SKCanvas canvas, SKBitmap bitmap, SKRect target)
    {
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.None };
        canvas.DrawBitmap(bitmap, target, paint);
    }

    private static void MarkQuery(SKCanvas canvas, SKRect panel, TileCut tile, int zoom)
    {
        float x = panel.Left + (tile.PixelColumn + 0.5f) * zoom, y = panel.Top + (tile.PixelRow + 0.5f) * zoom;
        using var ring = new SKPaint { Color = SKColors.Cyan, IsStroke = true, StrokeWidth = 2, IsAntialias = true };
        canvas.DrawCircle(x, y, zoom / 2f + 5, ring);
        canvas.DrawLine(x - zoom / 2f - 10, y, x - zoom / 2f - 5, y, ring);
        canvas.DrawLine(x + zoom / 2f + 5, y, x + zoom / 2f + 10, y, ring);
    }

    private static void DrawColourBar(SKCanvas canvas, float left, float top, float width, string label, double low, double high)
    {
        using var bar = new SKBitmap(256, 1, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int i = 0; i < 256; i++) bar.SetPixel(i, 0, Colour(i / 255f));
        var rect = SKRect.Create(left, top, width, BarHeight);
        using (var paint = new SKPaint { FilterQuality = SKFilterQuality.Low }) canvas.DrawBitmap(bar, rect, paint);
        using var text = Text(12);
        string Format(double v) => v.ToString(v == Math.Floor(v) ? "0" : "0.####", CultureInfo.InvariantCulture);
        canvas.DrawText(Format(low), left, rect.Bottom + 14, text);
        string highText = Format(high);
        canvas.DrawText(highText, rect.Right - text.MeasureText(highText), rect.Bottom + 14, text);
        canvas.DrawText(label, rect.MidX - text.MeasureText(label) / 2, rect.Bottom + 14, text);
    }

    private static SKPaint Text(float size) => new() { Color = SKColors.Black, IsAntialias = true, TextSize = size };

    private static SKColor Blend(SKColor under, SKColor over, float alpha) => new(
        (byte)(under.Red + (over.Red - under.Red) * alpha),
        (byte)(under.Green + (over.Green - under.Green) * alpha),
        (byte)(under.Blue + (over.Blue - under.Blue) * alpha));

    /// <summary>The "inferno" colour map (dark purple to pale yellow) at <paramref name="t"/> in [0, 1], from five of its stops.</summary>
    private static SKColor Colour(float t)
    {
        float scaled = Math.Clamp(t, 0f, 1f) * 4;
        int i = Math.Min((int)scaled, 3);
        float f = scaled - i;
        byte Mix(int channel) => (byte)(InfernoStops[3 * i + channel] + (InfernoStops[3 * (i + 1) + channel] - InfernoStops[3 * i + channel]) * f + 0.5f);
        return new SKColor(Mix(0), Mix(1), Mix(2));
    }

    private static readonly byte[] InfernoStops = [0, 0, 4, 87, 16, 110, 188, 55, 84, 249, 142, 9, 252, 255, 164];
}
