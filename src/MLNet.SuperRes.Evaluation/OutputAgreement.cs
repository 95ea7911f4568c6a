using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Evaluation;

/// <summary>How far two upscalers' 8-bit outputs of the same images are apart: values compared, differing, the largest difference.</summary>
public sealed class OutputAgreement
{
    public long Values { get; private set; }

    public long Differing { get; private set; }

    public int Largest { get; private set; }

    private double squaredDifferences;

    /// <summary>PSNR in dB of one output set against the other over the R, G and B values, 8-bit peak; infinity when identical.</summary>
    public double Psnr => squaredDifferences == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 * Values / squaredDifferences);

    /// <summary>Compares the R, G and B values of two outputs of the same size.</summary>
    public void Add(RgbImage a, RgbImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"A {a.Width}x{a.Height} output cannot be compared with a {b.Width}x{b.Height} one.", nameof(b));
        var (x, y) = (a.ToRgba32(), b.ToRgba32());
        for (int i = 0; i < x.Length; i++)
        {
            if (i % 4 == 3) continue;
            int d = Math.Abs(x[i] - y[i]);
            Values++;
            squaredDifferences += (double)d * d;
            if (d > 0) Differing++;
            Largest = Math.Max(Largest, d);
        }
    }
}
