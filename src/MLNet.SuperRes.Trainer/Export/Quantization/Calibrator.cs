using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.OnnxGraphs;
using Onnx;

namespace MLNet.SuperRes.Trainer.Export.Quantization;

/// <summary>How a value's calibrated range is chosen from what it took over the calibration crops.</summary>
public enum CalibrationStatistic
{
    /// <summary>The smallest and largest value seen.</summary>
    MinMax,

    /// <summary>The 0.001st and 99.999th percentiles of a random subsample of the values (outliers are clipped).</summary>
    Percentile,
}

/// <summary>
/// Runs a float model in ONNX Runtime over calibration crops with the values to be quantized exposed as
/// extra graph outputs, and records the range each takes.
/// </summary>
internal static class Calibrator
{
    /// <summary>Values kept per value and batch for <see cref="CalibrationStatistic.Percentile"/>.</summary>
    private const int SamplesPerBatch = 4096;

    private const double PercentileTail = 1e-5;

    public static Dictionary<string, ActivationRange> Ranges(ModelProto floatModel, IReadOnlyList<string> values,
        IEnumerable<(float[] Data, long[] Shape)> batches, CalibrationStatistic statistic, int intraOpThreads = 0)
    {
        var exposed = floatModel.Clone();
        var declared = exposed.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var value in values.Where(v => !declared.Contains(v)))
            exposed.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(value, TensorProto.Types.DataType.Float));

        using var options = OnnxRuntimeRunner.CreateOptions(intraOpThreads);
        using var session = new InferenceSession(exposed.ToByteArray(), options);
        var ranges = new Dictionary<string, ActivationRange>(StringComparer.Ordinal);
        var samples = values.ToDictionary(v => v, _ => new List<float>());
        int batchCount = 0;
        foreach (var (data, shape) in batches)
        {
            batchCount++;
            using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [OnnxContract.InputName], [input], values.ToArray());
            for (int i = 0; i < values.Count; i++)
            {
                var span = outputs[i].GetTensorDataAsSpan<float>();
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                foreach (var v in span) { if (v < min) min = v; if (v > max) max = v; }
                var range = new ActivationRange(min, max);
                ranges[values[i]] = ranges.TryGetValue(values[i], out var seen) ? seen.Union(range) : range;
                if (statistic == CalibrationStatistic.Percentile)
                {
                    // Positions drawn at random: a fixed stride shares factors with the planes and would see
                    // the same few columns of every crop (its zero-padded edge among them).
                    var random = new Random(batchCount * 100_003 + i);
                    var kept = samples[values[i]];
                    if (span.Length <= SamplesPerBatch)
                        foreach (var v in span) kept.Add(v);
                    else
                        for (int j = 0; j < SamplesPerBatch; j++) kept.Add(span[random.Next(span.Length)]);
                }
            }
        }
        if (batchCount == 0) throw new InvalidOperationException("Calibration: no calibration crops.");
        if (statistic == CalibrationStatistic.Percentile)
            foreach (var value in values)
            {
                var sorted = samples[value].ToArray();
                Array.Sort(sorted);
                int low = (int)Math.Floor(PercentileTail * (sorted.Length - 1)), high = (int)Math.Ceiling((1 - PercentileTail) * (sorted.Length - 1));
                ranges[value] = new ActivationRange(sorted[low], sorted[high]);
            }
        return ranges;
    }
}
