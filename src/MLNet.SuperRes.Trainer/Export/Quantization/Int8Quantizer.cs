using System.Globalization;
using MLNet.SuperRes.Engine;
using Onnx;

namespace MLNet.SuperRes.Trainer.Export.Quantization;

/// <summary>What an int8 export was calibrated on, recorded in its metadata.</summary>
/// <param name="Images">Calibration images used.</param>
/// <param name="Crops">LR crops the float model ran on.</param>
internal sealed record CalibrationSummary(int Images, int Crops, CalibrationStatistic Statistic);

/// <summary>
/// Static int8 quantization of an exported float HSPAN model: calibrates the activations of its
/// convolutions (<see cref="Calibrator"/>) on LR crops of calibration images (<see cref="CalibrationCrops"/>)
/// and writes them in QDQ form (<see cref="QdqRewriter"/>). The input, output and metadata stay those of the
/// float model, plus <c>precision = int8</c>.
/// </summary>
internal static class Int8Quantizer
{
    /// <summary>Percentile: it kept more PSNR-Y than min/max on the default models (docs/MODELS.md).</summary>
    public const CalibrationStatistic DefaultStatistic = CalibrationStatistic.Percentile;

    /// <summary>Calibrates on <paramref name="imageFiles"/> (HR images) for a model of <paramref name="scale"/> and quantizes.</summary>
    public static (ModelProto Model, CalibrationSummary Summary) Quantize(ModelProto floatModel, int scale, IReadOnlyList<string> imageFiles,
        CalibrationStatistic statistic = DefaultStatistic, int intraOpThreads = 0)
    {
        if (imageFiles.Count == 0) throw new ArgumentException("Quantization needs at least one calibration image.", nameof(imageFiles));
        int crops = 0;
        var batches = imageFiles.SelectMany((file, index) => CalibrationCrops.Of(file, scale, seed: index))
            .Select(batch => { crops += (int)batch.Shape[0]; return batch; });
        var values = QdqRewriter.CalibratedValues(floatModel.Graph);
        var ranges = Calibrator.Ranges(floatModel, values, batches, statistic, intraOpThreads);
        var summary = new CalibrationSummary(imageFiles.Count, crops, statistic);
        return (Quantize(floatModel, ranges, summary), summary);
    }

    /// <summary>Quantizes with ranges already calibrated.</summary>
    public static ModelProto Quantize(ModelProto floatModel, IReadOnlyDictionary<string, ActivationRange> ranges, CalibrationSummary summary)
    {
        var model = QdqRewriter.Rewrite(floatModel, ranges);
        SetMetadata(model, OnnxContract.Precision, OnnxContract.PrecisionInt8);
        SetMetadata(model, OnnxContract.Calibration,
            string.Create(CultureInfo.InvariantCulture, $"{summary.Images} images, {summary.Crops} LR crops of {CalibrationCrops.CropSize} px, {summary.Statistic}"));
        return model;
    }

    private static void SetMetadata(ModelProto model, string key, string value)
    {
        var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (existing is not null) existing.Value = value;
        else model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }
}

/// <summary>How close a quantized model's output is to its float model's on the same inputs.</summary>
/// <param name="Psnr">PSNR (dB, peak 1) of the quantized output against the float output, over all outputs.</param>
/// <param name="MaxAbsDifference">Largest difference in [0, 1] units.</param>
internal sealed record QuantizationAgreement(double Psnr, double MaxAbsDifference)
{
    /// <summary>Runs both models on <paramref name="batches"/>.</summary>
    public static QuantizationAgreement Measure(byte[] floatModel, byte[] quantizedModel, IEnumerable<(float[] Data, long[] Shape)> batches)
    {
        using var reference = new OnnxRuntimeRunner(floatModel);
        using var quantized = new OnnxRuntimeRunner(quantizedModel);
        double squared = 0, max = 0;
        long count = 0;
        foreach (var (data, shape) in batches)
        {
            var expected = reference.Run(data, shape).Output;
            var actual = quantized.Run(data, shape).Output;
            for (int i = 0; i < expected.Length; i++)
            {
                double difference = Math.Abs((double)actual[i] - expected[i]);
                squared += difference * difference;
                max = Math.Max(max, difference);
            }
            count += expected.Length;
        }
        if (count == 0) throw new ArgumentException("No inputs to compare on.", nameof(batches));
        double mse = squared / count;
        return new QuantizationAgreement(mse > 0 ? 10 * Math.Log10(1 / mse) : double.PositiveInfinity, max);
    }
}
