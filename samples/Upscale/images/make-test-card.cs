#:package SixLabors.ImageSharp@2.1.13
// Draws test-card.png, the picture the Upscale sample ships with (ours, so it is licensed with the
// repository): a Siemens star, rings of rising frequency, block lettering and soft colour shapes,
// rendered at 480x320 with 8x8 supersampling and reduced to 240x160 with bicubic, the degradation the
// default models were trained for. Run: dotnet run make-test-card.cs
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

const int W = 480, H = 320, SS = 8;
string[] glyphRows =
[
    // 5x7 glyphs: H S P A N . E T
    "10001 01111 11110 01110 10001 00000 11111 11111",
    "10001 10000 10001 10001 11001 00000 10000 00100",
    "10001 10000 10001 10001 10101 00000 10000 00100",
    "11111 01110 11110 11111 10011 00000 11110 00100",
    "10001 00001 10000 10001 10001 00000 10000 00100",
    "10001 00001 10000 10001 10001 01100 10000 00100",
    "10001 11110 10000 10001 10001 01100 11111 00100",
];
const string Letters = "HSPAN.ET";

bool Glyph(char c, int gx, int gy) => glyphRows[gy].Split(' ')[Letters.IndexOf(c)][gx] == '1';

bool TextAt(string text, double x0, double y0, double cell, double x, double y)
{
    int gx = (int)Math.Floor((x - x0) / cell), gy = (int)Math.Floor((y - y0) / cell);
    if (gy < 0 || gy >= 7 || gx < 0) return false;
    int letter = gx / 6, col = gx % 6;
    return letter < text.Length && col < 5 && text[letter] != ' ' && Glyph(text[letter], col, gy);
}

(double r, double g, double b) Shade(double x, double y)
{
    // Background: a soft diagonal gradient.
    double t = (x + y) / (W + H);
    var c = (r: 0.85 - 0.35 * t, g: 0.80 - 0.10 * t, b: 0.55 + 0.35 * t);

    // Soft colour discs.
    foreach (var (cx, cy, rad, col) in new[] { (300.0, 230.0, 60.0, (0.85, 0.25, 0.20)), (400.0, 250.0, 45.0, (0.20, 0.55, 0.85)), (350.0, 280.0, 30.0, (0.95, 0.80, 0.20)) })
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < rad * rad) c = col;

    // Siemens star: 36 black and white sectors.
    double sx = x - 120, sy = y - 160, sr = Math.Sqrt(sx * sx + sy * sy);
    if (sr < 105) { double v = Math.Sin(18 * Math.Atan2(sy, sx)) > 0 ? 0.05 : 0.95; c = (v, v, v); }
    else if (sr < 108) c = (0.1, 0.1, 0.1);

    // Rings whose frequency rises with the radius (a zone plate segment).
    double zx = x - 360, zy = y - 95, zr2 = zx * zx + zy * zy;
    if (Math.Abs(zx) < 95 && Math.Abs(zy) < 70) { double v = 0.5 + 0.45 * Math.Cos(zr2 / 220.0); c = (v, v * 0.95, v * 0.9); }

    // Block lettering.
    if (TextAt("HSPAN", 255, 185, 5, x, y)) c = (0.05, 0.05, 0.1);
    if (TextAt(".NET", 255, 235 + 60, 3, x, y)) c = (0.1, 0.1, 0.4);
    return c;
}

using var hr = new Image<Rgb24>(W, H);
for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
    {
        double r = 0, g = 0, b = 0;
        for (int j = 0; j < SS; j++)
            for (int i = 0; i < SS; i++)
            {
                var s = Shade(x + (i + 0.5) / SS, y + (j + 0.5) / SS);
                r += s.r; g += s.g; b += s.b;
            }
        double n = SS * SS;
        hr[x, y] = new Rgb24((byte)Math.Round(255 * r / n), (byte)Math.Round(255 * g / n), (byte)Math.Round(255 * b / n));
    }
hr.Mutate(m => m.Resize(W / 2, H / 2, KnownResamplers.Bicubic));
hr.SaveAsPng("test-card.png");
Console.WriteLine("wrote test-card.png (240x160)");
