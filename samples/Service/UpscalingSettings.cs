using System.Globalization;
using MLNet.SuperRes;

namespace Service;

/// <summary>
/// The service's settings, section "Upscaling" of appsettings.json, overridden as ASP.NET Core does: environment
/// variables (<c>Upscaling__QueueLength=8</c>) or the command line (<c>--Upscaling:Provider cpu</c>).
/// </summary>
internal sealed class UpscalingSettings
{
    public const string Section = "Upscaling";

    /// <summary>The scales served, each by one model loaded at start (configuration adds to an array, so the default is applied after binding).</summary>
    public int[]? Scales { get; set; }

    public int[] ServedScales => Scales is { Length: > 0 } ? Scales : [2, 3, 4];

    /// <summary>
    /// A model file of one's own for a scale ("2": "my-x2.onnx"); the embedded default serves the scales not named.
    /// </summary>
    public Dictionary<string, string> Models { get; set; } = [];

    /// <summary>auto (CUDA where it starts, else the CPU), cuda (CUDA or fail at start) or cpu.</summary>
    public string Provider { get; set; } = "auto";

    /// <summary>The GPU to run on when the provider is cuda or auto.</summary>
    public int GpuDevice { get; set; }

    /// <summary>float32 or int8: which embedded default models serve.</summary>
    public string Precision { get; set; } = "float32";

    /// <summary>Images upscaled at once; 0: one per core.</summary>
    public int Workers { get; set; }

    /// <summary>ONNX Runtime threads inside one image; 0: the cores shared out among the workers.</summary>
    public int ThreadsPerImage { get; set; }

    /// <summary>Images that may wait for a worker; beyond them a request is answered 503 with Retry-After.</summary>
    public int QueueLength { get; set; } = 16;

    /// <summary>The largest request body, in bytes, checked before the body is read.</summary>
    public long MaxRequestBytes { get; set; } = 20L << 20;

    /// <summary>The largest input image, in pixels, checked from the file's header before decoding.</summary>
    public long MaxInputPixels { get; set; } = 1920 * 1080;

    /// <summary>The longest an upload may take to arrive, in seconds (a slow client holds a place meanwhile).</summary>
    public int UploadTimeoutSeconds { get; set; } = 60;

    /// <summary>What a 503 asks the client to wait, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>JPEG and WebP quality of the answers, 1 to 100.</summary>
    public int Quality { get; set; } = 95;

    /// <summary>Answers without the upload's EXIF (camera, date, GPS place); its colour profile goes with them either way.</summary>
    public bool StripMetadata { get; set; }

    public int WorkerCount => Workers == 0 ? Environment.ProcessorCount : Workers;

    public int ThreadsPerWorker => ThreadsPerImage == 0 ? Math.Max(1, Environment.ProcessorCount / WorkerCount) : ThreadsPerImage;

    /// <summary>Refuses settings that cannot work, naming the setting, its range and the value given.</summary>
    public void Validate()
    {
        foreach (int scale in ServedScales)
            if (scale is < 1 or > 16)
                throw Invalid(nameof(Scales), "must be scales from 1 to 16", scale.ToString(CultureInfo.InvariantCulture));
        if (ServedScales.Distinct().Count() != ServedScales.Length)
            throw Invalid(nameof(Scales), "must name each scale once", string.Join(", ", ServedScales));
        foreach (int scale in ServedScales)
        {
            if (scale is not (2 or 3 or 4) && !Models.ContainsKey(scale.ToString(CultureInfo.InvariantCulture)))
                throw new InvalidOperationException($"{Section}:{nameof(Scales)} names x{scale}, which has no embedded default: give its model as {Section}:{nameof(Models)}:{scale}.");
            if (MaxInputPixels * scale * scale * 4 > Array.MaxLength)
                throw Invalid(nameof(MaxInputPixels), string.Create(CultureInfo.InvariantCulture,
                    $"must keep an x{scale} output within one array ({Array.MaxLength / 4 / (scale * scale):N0} pixels at most)"),
                    MaxInputPixels.ToString(CultureInfo.InvariantCulture));
        }
        foreach (var (key, path) in Models)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int scale) || !ServedScales.Contains(scale))
                throw Invalid($"{nameof(Models)}:{key}", $"must be one of the served scales ({string.Join(", ", ServedScales)})", key);
            if (!File.Exists(path))
                throw new InvalidOperationException($"{Section}:{nameof(Models)}:{key}: the model file '{path}' does not exist.");
        }
        if (Provider is not ("auto" or "cuda" or "cpu"))
            throw Invalid(nameof(Provider), "must be auto, cuda or cpu", Provider);
        if (Precision is not ("float32" or "int8"))
            throw Invalid(nameof(Precision), "must be float32 or int8", Precision);
        Range(nameof(GpuDevice), GpuDevice, 0, 64);
        Range(nameof(Workers), Workers, 0, 256, " (0: one per core)");
        Range(nameof(ThreadsPerImage), ThreadsPerImage, 0, 1024, " (0: the cores shared out among the workers)");
        Range(nameof(QueueLength), QueueLength, 0, 100_000);
        Range(nameof(MaxRequestBytes), MaxRequestBytes, 1, Array.MaxLength);
        Range(nameof(UploadTimeoutSeconds), UploadTimeoutSeconds, 1, 86_400);
        Range(nameof(MaxInputPixels), MaxInputPixels, 1, SuperResolutionOptions.DefaultMaxInputPixels);
        Range(nameof(RetryAfterSeconds), RetryAfterSeconds, 1, 3600);
        Range(nameof(Quality), Quality, 1, 100);
    }

    /// <summary>The library's options for one scale's model.</summary>
    public SuperResolutionOptions OptionsFor(int scale)
    {
        string? modelPath = Models.GetValueOrDefault(scale.ToString(CultureInfo.InvariantCulture));
        return new()
        {
            Scale = scale,
            ModelPath = modelPath,
            // The precision chooses between the embedded defaults; a model of one's own has its own.
            DefaultModelPrecision = modelPath is null && Precision == "int8" ? ModelPrecision.Int8 : ModelPrecision.Float32,
            IntraOpNumThreads = ThreadsPerWorker,
            MaxInputPixels = MaxInputPixels,
            GpuDeviceId = Provider == "cpu" ? null : GpuDevice,
            FallbackToCpu = Provider == "auto",
        };
    }

    private static void Range(string name, long value, long min, long max, string note = "")
    {
        if (value < min || value > max)
            throw Invalid(name, string.Create(CultureInfo.InvariantCulture, $"must be from {min} to {max}{note}"), value.ToString(CultureInfo.InvariantCulture));
    }

    private static InvalidOperationException Invalid(string name, string rule, string value) =>
        new($"{Section}:{name} {rule}, got '{value}'.");
}
