using System.Globalization;
using MLNet.SuperRes.Engine;
using SkiaSharp;

namespace MLNet.SuperRes.Trainer.Explain;

/// <summary>
/// explain's pictures, drawn with SkiaSharp (as the training report is) and returned as PNG bytes: a query pixel's
/// attention over its tile beside softmax of the same scores, and every position's support size per block. The
/// image's own border is outlined where the tile reaches into the mirrored margin beyond it.
/// </summary>
internal static class AttentionPictures
{
    public const string SupportFileName = "support.png";

    public static string AttentionFileName(int block) => $"attention-block{block}.png";

    private const int Margin = 20, TitleHeight = 64, CaptionHeight = 22, BarHeight = 12, LegendHeight = 56;

    /// <summary>The query's soft-thresholded weights (left) and softmax of the same scores (right), each over the dimmed tile.</summary>
    public static byte[] Attention(TileSource source, BlockAttention block)
    {
        var tile = source.Tile;
        int zoom = Zoom(tile, 320);
        int panelWidth = tile.Width * zoom, panelHeight = tile.Height * zoom;
        int support = block.QueryWeights.Count(w => w > 0);
        var captions = new[] { $"soft thresholding (sparsemax): {support} of {block.Positions} positions", $"softmax: all {block.Positions} positions" };
        int column = Math.Max(panelWidth, captions.Max(c => TextWidth(c, 13)) + Margin);
        string title = $"HSPA block {block.Block}: attention of pixel ({source.PixelX}, {source.PixelY}) of {source.ImageName}";
        string subtitle = $"over its {tile.Width}x{tile.Height} tile at ({tile.Left}, {tile.Top}); coloured: weight above 0, brighter is more; " +
                          "the same raw scores on both sides";
        int width = Math.Max(3 * Margin + 2 * column, TextWidth(title, subtitle));
        int height = TitleHeight + CaptionHeight + panelHeight + LegendHeight;
        return Draw(width, height, canvas =>
        {
            DrawTitle(canvas, title, subtitle);
            int left = Margin;
            foreach (var (weights, caption) in new[] { (block.QueryWeights, captions[0]), (block.QuerySoftmax, captions[1]) })
            {
                using var small = Text(13);
                canvas.DrawText(caption, left, TitleHeight + 15, small);
                var panel = SKRect.Create(left, TitleHeight + CaptionHeight, panelWidth, panelHeight);
                DrawHeatMap(canvas, panel, tile, weights);
                OutlineImage(canvas, panel, source, zoom);
                MarkQuery(canvas, panel, tile, zoom);
                DrawColourBar(canvas, left, panel.Bottom + 10, column, "weight", 0, weights.Max());
                left += column + Margin;
            }
        });
    }

    /// <summary>For every position of the tile, how many positions it attends to, one map per block on one colour scale.</summary>
    public static byte[] Support(TileSource source, IReadOnlyList<BlockAttention> blocks)
    {
        var tile = source.Tile;
        int zoom = Zoom(tile, 200);
        int cellWidth = tile.Width * zoom, cellHeight = tile.Height * zoom;
        int positions = blocks[0].Positions, largest = blocks.Max(b => b.MaxSupport);
        string Caption(BlockAttention block) =>
            string.Create(CultureInfo.InvariantCulture, $"block {block.Block}: median {block.MedianSupport:0.#}, max {block.MaxSupport}");
        int column = Math.Max(cellWidth, blocks.Max(b => TextWidth(Caption(b), 13)) + Margin);
        int columns = Math.Min(blocks.Count, 4), rows = (blocks.Count + columns - 1) / columns;
        string title = $"Support size around pixel ({source.PixelX}, {source.PixelY}) of {source.ImageName}: positions each position attends to";
        string subtitle = $"{tile.Width}x{tile.Height} tile at ({tile.Left}, {tile.Top}), {positions} positions (softmax would attend to all everywhere); " +
                          "one colour scale for all blocks; the query pixel is marked";
        int width = Math.Max(Margin + columns * (column + Margin), TextWidth(title, subtitle));
        int height = TitleHeight + rows * (CaptionHeight + cellHeight + Margin) + LegendHeight;
        return Draw(width, height, canvas =>
        {
            DrawTitle(canvas, title, subtitle);
            using var small = Text(13);
            for (int i = 0; i < blocks.Count; i++)
            {
                var block = blocks[i];
                float left = Margin + i % columns * (column + Margin);
                float top = TitleHeight + i / columns * (CaptionHeight + cellHeight + Margin);
                canvas.DrawText(Caption(block), left, top + 15, small);
                var cell = SKRect.Create(left, top + CaptionHeight, cellWidth, cellHeight);
                using var bitmap = new SKBitmap(tile.Width, tile.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
                for (int p = 0; p < block.Support.Length; p++)
                    bitmap.SetPixel(p % tile.Width, p / tile.Width, Colour(largest <= 1 ? 1 : (block.Support[p] - 1) / (float)(largest - 1)));
                DrawPixels(canvas, bitmap, cell);
                OutlineImage(canvas, cell, source, zoom);
                MarkQuery(canvas, cell, tile, zoom);
            }
            DrawColourBar(canvas, Margin, height - LegendHeight + 10, Math.Min(width - 2 * Margin, 400), "positions attended", 1, largest);
        });
    }

    private static void DrawTitle(SKCanvas canvas, string title, string subtitle)
    {
        using var text = Text(15);
        using var small = Text(13);
        canvas.DrawText(title, Margin, 24, text);
        canvas.DrawText(subtitle, Margin, 46, small);
    }

    private static int TextWidth(string title, string subtitle) => 2 * Margin + Math.Max(TextWidth(title, 15), TextWidth(subtitle, 13));

    private static int TextWidth(string text, float size)
    {
        using var paint = Text(size);
        return (int)Math.Ceiling(paint.MeasureText(text));
    }

    /// <summary>A dashed outline of the image's border, where the tile reaches beyond it into the mirrored margin.</summary>
    private static void OutlineImage(SKCanvas canvas, SKRect panel, TileSource source, int zoom)
    {
        var tile = source.Tile;
        int left = Math.Max(0, -tile.Left), top = Math.Max(0, -tile.Top);
        int right = Math.Min(tile.Width, source.ImageWidth - tile.Left), bottom = Math.Min(tile.Height, source.ImageHeight - tile.Top);
        if (left == 0 && top == 0 && right == tile.Width && bottom == tile.Height) return;
        using var dashes = SKPathEffect.CreateDash([6, 4], 0);
        using var line = new SKPaint { Color = SKColors.White, IsStroke = true, StrokeWidth = 1.5f, PathEffect = dashes };
        canvas.DrawRect(SKRect.Create(panel.Left + left * zoom, panel.Top + top * zoom, (right - left) * zoom, (bottom - top) * zoom), line);
    }

    private static int Zoom(TileCut tile, int target) => Math.Max(1, target / Math.Max(tile.Width, tile.Height));

    private static byte[] Draw(int width, int height, Action<SKCanvas> draw)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
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
