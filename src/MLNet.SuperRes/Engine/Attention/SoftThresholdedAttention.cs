using System.Numerics;
using System.Runtime.Intrinsics;

namespace MLNet.SuperRes.Engine.Attention;

/// <summary>
/// HSPA's attention core, one block of query positions at a time: for each query i, the scores
/// s_j = sum_c q[c, i] k[c, j] over all L key positions, soft thresholding of the row (sparsemax: weights
/// relu(s_j - max s - tau), tau the exact threshold making them sum to 1), and the weighted sum of the value
/// vectors of the positions in the support alone. A row of scores is a few KB and stays in the L1 cache;
/// the [L, L] matrices the standard-op graph writes and walks some twenty times are never made.
/// <para>
/// The threshold is found as the graph finds it, by Michelot's projection, from a lower bound (here the
/// maximum's own threshold, -1 below it): the scores above the current threshold are the support, the next
/// threshold is the one that support implies, (sum - 1) / size, never lower than the last, until the size no
/// longer changes. Scores are computed in the order the graph's MatMul sums them (one fused multiply-add per
/// channel, channel 0 first), so the supports are the graph's.
/// </para>
/// </summary>
internal static unsafe class SoftThresholdedAttention
{
    /// <summary>Query rows per task: a multiple of 16, so that tasks write whole cache lines of each output channel.</summary>
    public const int RowsPerTask = 16;

    /// <summary>Query rows whose scores are computed together, each key vector loaded once for all of them.</summary>
    private const int RowsPerPass = 4;

    /// <summary>Floats of scratch one task needs for <paramref name="positions"/> keys and <paramref name="valueChannels"/> channels.</summary>
    public static long ScratchFloats(int positions, int valueChannels) => (long)RowsPerPass * PaddedLength(positions) + valueChannels;

    /// <summary>The vector width the kernel runs with on this machine, in floats.</summary>
    public static int LaneCount => Vector512.IsHardwareAccelerated ? Lanes512.Count : Vector256.IsHardwareAccelerated ? Lanes256.Count : Lanes1.Count;

    private static int PaddedLength(int positions) => (positions + 15) & ~15;

    /// <summary>
    /// Attends query rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>) of one image.
    /// </summary>
    /// <param name="queries">[keyChannels, positions]: the query embedding, channel-major as the convolution wrote it.</param>
    /// <param name="keys">[keyChannels, positions].</param>
    /// <param name="valuesByPosition">[positions, valueChannels]: the values transposed, one position's vector contiguous.</param>
    /// <param name="output">[valueChannels, positions]: column i receives query i's attended vector.</param>
    /// <param name="positions">Key and query positions of the image (its height times width).</param>
    /// <param name="keyChannels">Channels of the queries and keys.</param>
    /// <param name="valueChannels">Channels of the values and the output.</param>
    /// <param name="firstRow">The first query row to attend.</param>
    /// <param name="rowCount">How many query rows to attend.</param>
    /// <param name="scratch"><see cref="ScratchFloats"/> floats, 64-byte aligned.</param>
    /// <param name="supportSizes">Where given, receives each row's support size (for tests).</param>
    public static void AttendRows(float* queries, float* keys, float* valuesByPosition, float* output,
        int positions, int keyChannels, int valueChannels, int firstRow, int rowCount, float* scratch, int* supportSizes = null)
    {
        if (Vector512.IsHardwareAccelerated)
            AttendRows<Lanes512, Vector512<float>>(queries, keys, valuesByPosition, output, positions, keyChannels, valueChannels, firstRow, rowCount, scratch, supportSizes);
        else if (Vector256.IsHardwareAccelerated)
            AttendRows<Lanes256, Vector256<float>>(queries, keys, valuesByPosition, output, positions, keyChannels, valueChannels, firstRow, rowCount, scratch, supportSizes);
        else
            AttendRows<Lanes1, float>(queries, keys, valuesByPosition, output, positions, keyChannels, valueChannels, firstRow, rowCount, scratch, supportSizes);
    }

    private static void AttendRows<TLanes, TVector>(float* queries, float* keys, float* valuesByPosition, float* output,
        int positions, int keyChannels, int valueChannels, int firstRow, int rowCount, float* scratch, int* supportSizes)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int padded = PaddedLength(positions);
        float* accumulator = scratch + RowsPerPass * padded;
        for (int pass = 0; pass < rowCount; pass += RowsPerPass)
        {
            int rows = Math.Min(RowsPerPass, rowCount - pass);
            int row = firstRow + pass;
            Scores<TLanes, TVector>(queries, keys, positions, keyChannels, row, rows, scratch, padded);
            for (int r = 0; r < rows; r++)
            {
                float* shifted = scratch + r * padded;
                float threshold = Threshold<TLanes, TVector>(shifted, padded, out int support);
                if (supportSizes is not null) supportSizes[row + r] = support;
                WeightedSum<TLanes, TVector>(shifted, padded, threshold, valuesByPosition, valueChannels, accumulator);
                for (int channel = 0; channel < valueChannels; channel++)
                    output[(long)channel * positions + row + r] = accumulator[channel];
            }
        }
    }

    /// <summary>
    /// Scores of <paramref name="rows"/> consecutive queries into rows of <paramref name="padded"/> floats, each
    /// shifted by its maximum; the padding beyond <paramref name="positions"/> is -infinity, which no threshold passes.
    /// </summary>
    private static void Scores<TLanes, TVector>(float* queries, float* keys, int positions, int keyChannels, int firstRow, int rows, float* destination, int padded)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, whole = positions - positions % lanes;
        float* q0 = queries + firstRow, q1 = q0 + Math.Min(1, rows - 1), q2 = q0 + Math.Min(2, rows - 1), q3 = q0 + Math.Min(3, rows - 1);
        float* d0 = destination, d1 = d0 + padded, d2 = d1 + padded, d3 = d2 + padded;
        for (int j = 0; j < whole; j += lanes)
        {
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
            float* key = keys + j;
            for (int c = 0; c < keyChannels; c++, key += positions)
            {
                var k = TLanes.Load(key);
                long at = (long)c * positions;
                a0 = TLanes.MultiplyAdd(TLanes.Broadcast(q0[at]), k, a0);
                a1 = TLanes.MultiplyAdd(TLanes.Broadcast(q1[at]), k, a1);
                a2 = TLanes.MultiplyAdd(TLanes.Broadcast(q2[at]), k, a2);
                a3 = TLanes.MultiplyAdd(TLanes.Broadcast(q3[at]), k, a3);
            }
            TLanes.Store(a0, d0 + j);
            TLanes.Store(a1, d1 + j);
            TLanes.Store(a2, d2 + j);
            TLanes.Store(a3, d3 + j);
        }
        for (int r = 0; r < rows; r++)
        {
            float* query = queries + firstRow + r, row = destination + r * padded;
            for (int j = whole; j < positions; j++)
            {
                float sum = 0;
                for (int c = 0; c < keyChannels; c++) sum = MathF.FusedMultiplyAdd(query[(long)c * positions], keys[(long)c * positions + j], sum);
                row[j] = sum;
            }
            for (int j = positions; j < padded; j++) row[j] = float.NegativeInfinity;
            ShiftByMaximum<TLanes, TVector>(row, padded);
        }
    }

    private static void ShiftByMaximum<TLanes, TVector>(float* row, int padded)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count;
        var maximum = TLanes.Broadcast(float.NegativeInfinity);
        for (int j = 0; j < padded; j += lanes) maximum = TLanes.Max(maximum, TLanes.Load(row + j));
        var max = TLanes.Broadcast(TLanes.MaxAcross(maximum));
        for (int j = 0; j < padded; j += lanes) TLanes.Store(TLanes.Subtract(TLanes.Load(row + j), max), row + j);
    }

    /// <summary>The sparsemax threshold of a row whose maximum is 0, and the size of its support.</summary>
    private static float Threshold<TLanes, TVector>(float* shifted, int padded, out int support)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count;
        float threshold = -1f;
        float previousSize = -1f;
        // The support only shrinks, so this ends within `padded` steps; the bound holds for rows of NaN too.
        for (int step = 0; ; step++)
        {
            var at = TLanes.Broadcast(threshold);
            TVector sums = TLanes.Zero, sizes = TLanes.Zero;
            for (int j = 0; j < padded; j += lanes)
            {
                var x = TLanes.Load(shifted + j);
                sums = TLanes.Add(sums, TLanes.KeepAbove(x, at));
                sizes = TLanes.Add(sizes, TLanes.OnesAbove(x, at));
            }
            float size = TLanes.SumAcross(sizes), implied = (TLanes.SumAcross(sums) - 1f) / size;
            // Rounding must not lower the threshold: a lower one could let scores back in and cycle.
            threshold = MathF.Max(threshold, implied);
            if (size == previousSize || step > padded)
            {
                support = (int)size;
                return threshold;
            }
            previousSize = size;
        }
    }

    /// <summary>
    /// sum over the support of (shifted_j - threshold) * value_j into <paramref name="accumulator"/>, four vectors
    /// of channels at a time held in registers while the support is walked.
    /// </summary>
    private static void WeightedSum<TLanes, TVector>(float* shifted, int padded, float threshold, float* valuesByPosition, int valueChannels, float* accumulator)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, chunk = 4 * lanes;
        var at = TLanes.Broadcast(threshold);
        int first = 0;
        for (; first + chunk <= valueChannels; first += chunk)
        {
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
            for (int j0 = 0; j0 < padded; j0 += lanes)
            {
                ulong bits = TLanes.BitsAbove(TLanes.Load(shifted + j0), at);
                while (bits != 0)
                {
                    int j = j0 + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    var w = TLanes.Broadcast(shifted[j] - threshold);
                    float* value = valuesByPosition + (long)j * valueChannels + first;
                    a0 = TLanes.MultiplyAdd(w, TLanes.Load(value), a0);
                    a1 = TLanes.MultiplyAdd(w, TLanes.Load(value + lanes), a1);
                    a2 = TLanes.MultiplyAdd(w, TLanes.Load(value + 2 * lanes), a2);
                    a3 = TLanes.MultiplyAdd(w, TLanes.Load(value + 3 * lanes), a3);
                }
            }
            TLanes.Store(a0, accumulator + first);
            TLanes.Store(a1, accumulator + first + lanes);
            TLanes.Store(a2, accumulator + first + 2 * lanes);
            TLanes.Store(a3, accumulator + first + 3 * lanes);
        }
        if (first == valueChannels) return;
        new Span<float>(accumulator + first, valueChannels - first).Clear();
        for (int j = 0; j < padded; j++)
        {
            if (!(shifted[j] > threshold)) continue;
            float weight = shifted[j] - threshold;
            float* value = valuesByPosition + (long)j * valueChannels;
            for (int c = first; c < valueChannels; c++) accumulator[c] = MathF.FusedMultiplyAdd(weight, value[c], accumulator[c]);
        }
    }
}
