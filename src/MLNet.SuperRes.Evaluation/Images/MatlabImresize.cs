namespace MLNet.SuperRes.Evaluation.Images;

/// <summary>
/// MATLAB's <c>imresize(A, scale, 'bicubic')</c> (antialiasing on), the resize every SR benchmark uses
/// to make its low-resolution inputs and its bicubic baseline.
/// </summary>
/// <remarks>
/// Follows imresize.m step by step: Keys cubic kernel (a = -0.5) of width 4, widened by 1/scale when
/// shrinking; per output sample the contributions at u = x/scale + 0.5(1 - 1/scale), taps from
/// floor(u - width/2) over ceil(width) + 2 positions, weights normalised to sum 1, indices mirrored
/// symmetrically at the borders, tap columns whose weight is zero for every output removed. The
/// dimension with the smaller scale is resized first (rows first when equal). Values stay in double
/// between the two passes and are rounded (half away from zero, as MATLAB) and saturated to 8 bits at
/// the end.
/// </remarks>
public static class MatlabImresize
{
    private const double CubicKernelWidth = 4.0;

    /// <summary>
    /// Resizes an RGB image by <paramref name="scale"/> (e.g. 0.5 or 1.0/3 to shrink, 2 to enlarge);
    /// the output is ceil(Width * scale) x ceil(Height * scale). Each channel is resized on its own.
    /// </summary>
    public static RgbImage Resize(RgbImage image, double scale)
    {
        ArgumentNullException.ThrowIfNull(image);
        int outWidth = OutputLength(image.Width, scale), outHeight = OutputLength(image.Height, scale);
        var rowContributions = Contributions.Compute(image.Height, outHeight, scale);
        var columnContributions = Contributions.Compute(image.Width, outWidth, scale);

        int inPlane = image.Width * image.Height, outPlane = outWidth * outHeight;
        var output = new byte[3 * outPlane];
        Parallel.For(0, 3, channel =>
        {
            var plane = new double[inPlane];
            for (int i = 0; i < inPlane; i++)
                plane[i] = image.Pixels[3 * i + channel];
            double[] resized = ResizePlane(plane, image.Width, image.Height, rowContributions, columnContributions);
            for (int i = 0; i < outPlane; i++)
                output[3 * i + channel] = MatlabRoundToByte(resized[i]);
        });
        return new RgbImage(outWidth, outHeight, output, image.IsStoredGrey);
    }

    /// <summary>
    /// Resizes one plane of doubles (row-major, <paramref name="width"/> x <paramref name="height"/>) by
    /// <paramref name="scale"/> without rounding the result.
    /// </summary>
    public static double[] ResizePlane(double[] plane, int width, int height, double scale, out int outWidth, out int outHeight)
    {
        ArgumentNullException.ThrowIfNull(plane);
        if (plane.Length != width * height)
            throw new ArgumentException($"Expected {width * height} values for a {width}x{height} plane, got {plane.Length}.", nameof(plane));
        outWidth = OutputLength(width, scale);
        outHeight = OutputLength(height, scale);
        return ResizePlane(plane, width, height,
            Contributions.Compute(height, outHeight, scale), Contributions.Compute(width, outWidth, scale));
    }

    /// <summary>MATLAB's output length for a scale: ceil(length * scale).</summary>
    public static int OutputLength(int inputLength, double scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputLength, 1);
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive finite number.");
        double length = Math.Ceiling(inputLength * scale);
        if (length > int.MaxValue / 4)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"Resizing {inputLength} pixels by {scale} is too large.");
        return (int)length;
    }

    /// <summary>The Keys cubic convolution kernel with a = -0.5 (MATLAB's <c>cubic</c>), the runtime's one.</summary>
    public static double Cubic(double x) => Engine.CubicKernel.Keys(x);

    /// <summary>Rounds half away from zero and saturates to [0, 255], as MATLAB converts double to uint8 (the protocol's rounding, not the engine's).</summary>
    public static byte MatlabRoundToByte(double value)
    {
        if (double.IsNaN(value)) return 0;
        return (byte)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);
    }

    private static double[] ResizePlane(double[] plane, int width, int height, Contributions rows, Contributions columns)
    {
        // MATLAB sorts the scales and resizes the dimension with the smaller one first; sort is
        // stable, so with equal scales dimension 1 (rows, i.e. the height) goes first.
        if (rows.Scale <= columns.Scale)
        {
            var tall = ResizeColumns(plane, width, height, rows);
            return ResizeRows(tall, width, rows.OutLength, columns);
        }
        var wide = ResizeRows(plane, width, height, columns);
        return ResizeColumns(wide, columns.OutLength, height, rows);
    }

    /// <summary>Resizes along the height: each output row is a weighted sum of input rows.</summary>
    private static double[] ResizeColumns(double[] plane, int width, int height, Contributions c)
    {
        var output = new double[width * c.OutLength];
        for (int y = 0; y < c.OutLength; y++)
        {
            var outRow = output.AsSpan(y * width, width);
            for (int t = 0; t < c.Taps; t++)
            {
                double weight = c.Weights[y * c.Taps + t];
                var inRow = plane.AsSpan(c.Indices[y * c.Taps + t] * width, width);
                for (int x = 0; x < width; x++)
                    outRow[x] += weight * inRow[x];
            }
        }
        return output;
    }

    /// <summary>Resizes along the width: each output column is a weighted sum of input columns.</summary>
    private static double[] ResizeRows(double[] plane, int width, int height, Contributions c)
    {
        int outWidth = c.OutLength, taps = c.Taps;
        var output = new double[outWidth * height];
        for (int y = 0; y < height; y++)
        {
            var inRow = plane.AsSpan(y * width, width);
            var outRow = output.AsSpan(y * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++)
            {
                double sum = 0;
                int offset = x * taps;
                for (int t = 0; t < taps; t++)
                    sum += c.Weights[offset + t] * inRow[c.Indices[offset + t]];
                outRow[x] = sum;
            }
        }
        return output;
    }

    /// <summary>MATLAB's <c>contributions</c>: per output sample, the input indices (0-based) and their weights.</summary>
    internal sealed class Contributions
    {
        private Contributions(double scale, int outLength, int taps, double[] weights, int[] indices)
        {
            Scale = scale;
            OutLength = outLength;
            Taps = taps;
            Weights = weights;
            Indices = indices;
        }

        public double Scale { get; }
        public int OutLength { get; }
        public int Taps { get; }

        /// <summary>Row-major OutLength x Taps.</summary>
        public double[] Weights { get; }

        /// <summary>Row-major OutLength x Taps, 0-based input indices.</summary>
        public int[] Indices { get; }

        public static Contributions Compute(int inLength, int outLength, double scale)
        {
            bool antialias = scale < 1;
            double kernelWidth = antialias ? CubicKernelWidth / scale : CubicKernelWidth;
            int taps = (int)Math.Ceiling(kernelWidth) + 2;

            var weights = new double[outLength * taps];
            var indices = new int[outLength * taps];
            for (int x = 1; x <= outLength; x++)
            {
                // 1-based positions as in imresize.m.
                double u = x / scale + 0.5 * (1 - 1 / scale);
                double left = Math.Floor(u - kernelWidth / 2);
                double sum = 0;
                for (int t = 0; t < taps; t++)
                {
                    double index = left + t;
                    double w = antialias ? scale * Cubic(scale * (u - index)) : Cubic(u - index);
                    weights[(x - 1) * taps + t] = w;
                    indices[(x - 1) * taps + t] = MirrorIndex((long)index, inLength) - 1;
                    sum += w;
                }
                for (int t = 0; t < taps; t++)
                    weights[(x - 1) * taps + t] /= sum;
            }
            return DropAllZeroTaps(scale, outLength, taps, weights, indices);
        }

        /// <summary>imresize.m's aux = [1:n, n:-1:1]; index = aux(mod(index - 1, 2n) + 1).</summary>
        private static int MirrorIndex(long oneBasedIndex, int length)
        {
            long period = 2L * length;
            long m = ((oneBasedIndex - 1) % period + period) % period;
            return (int)(m < length ? m + 1 : period - m);
        }

        private static Contributions DropAllZeroTaps(double scale, int outLength, int taps, double[] weights, int[] indices)
        {
            var kept = new List<int>(taps);
            for (int t = 0; t < taps; t++)
            {
                bool anyNonZero = false;
                for (int x = 0; x < outLength && !anyNonZero; x++)
                    anyNonZero = weights[x * taps + t] != 0;
                if (anyNonZero) kept.Add(t);
            }
            if (kept.Count == taps)
                return new Contributions(scale, outLength, taps, weights, indices);

            var keptWeights = new double[outLength * kept.Count];
            var keptIndices = new int[outLength * kept.Count];
            for (int x = 0; x < outLength; x++)
                for (int k = 0; k < kept.Count; k++)
                {
                    keptWeights[x * kept.Count + k] = weights[x * taps + kept[k]];
                    keptIndices[x * kept.Count + k] = indices[x * taps + kept[k]];
                }
            return new Contributions(scale, outLength, kept.Count, keptWeights, keptIndices);
        }
    }
}
