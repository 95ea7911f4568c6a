using System.Buffers;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.SuperRes.Engine.Attention;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// One ONNX Runtime session over a single-image super-resolution model: reads how to feed it
/// (<see cref="ModelInterface"/>) and its scale, picks the execution provider (CUDA with optional CPU
/// fallback, as ML.NET's ApplyOnnxModel does), and runs one tile, padding it to the model's fixed size or
/// size multiple, scaling values and swapping channels as the model wants.
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// is thread-safe, so a single instance serves every thread.
/// </summary>
internal sealed class SuperResolutionSession : ITileNetwork, IDisposable
{
    private static readonly object EnvLogLevelGate = new();

    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private SuperResolutionSession(InferenceSession session, ModelSource model, SuperResolutionOptions options, string executionProvider,
        string? cudaFailure = null, string? registrationFailure = null)
    {
        _session = session;
        ModelDescription = model.Description;
        ExecutionProvider = executionProvider;
        CudaFailure = cudaFailure;
        try
        {
            Metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
            if (executionProvider == "CPU")
            {
                AttentionKernelFailure = KernelFailure(Metadata, registrationFailure);
                AttentionRunsAsKernel = AttentionKernelFailure is null && Metadata.ContainsKey(OnnxContract.AttentionKernel);
            }
            Interface = ModelInterface.Read(session, Metadata, options, model.Description);
            _inputNames = [Interface.InputName];
            _outputNames = [Interface.OutputName];
            Scale = ResolveScale(Metadata, model);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Scale { get; }

    /// <summary>How the model is fed: names, fixed size or size multiple, value range, channel order.</summary>
    public ModelInterface Interface { get; }

    public string ModelDescription { get; }

    /// <summary><c>CPU</c>, or <c>CUDA (GPU n)</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA did not start when the session fell back to the CPU; otherwise null.</summary>
    public string? CudaFailure { get; }

    /// <summary>Why a CPU session runs the model's attention function as its standard-op body; otherwise null.</summary>
    public string? AttentionKernelFailure { get; private set; }

    /// <summary>Whether the model's attention runs as the runtime's CPU kernel, which never holds a tile's [L, L] scores.</summary>
    public bool AttentionRunsAsKernel { get; }

    private static string? KernelFailure(IReadOnlyDictionary<string, string> metadata, string? registrationFailure)
    {
        if (!metadata.TryGetValue(OnnxContract.AttentionKernel, out var expected)) return null;
        if (expected != AttentionKernel.Version.ToString(CultureInfo.InvariantCulture))
            return $"the model expects attention kernel version {expected}; this runtime has version {AttentionKernel.Version}, so the function's standard-op body runs.";
        return registrationFailure is null ? null : $"the attention kernel is not registered ({registrationFailure}), so the function's standard-op body runs.";
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens a session. With <paramref name="validateOnly"/>, graph optimizations are off and the CPU is
    /// used: the session serves only to read the signature and metadata.
    /// </summary>
    public static SuperResolutionSession Open(ModelSource model, SuperResolutionOptions options, bool validateOnly = false)
    {
        try
        {
            return OpenSession(model, options, validateOnly);
        }
        catch (Exception e) when (IsMissingNativeRuntime(e))
        {
            throw new InvalidOperationException(
                "ONNX Runtime's native library could not be loaded, so the super-resolution model cannot run. The application " +
                "must reference one ONNX Runtime native package: Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu " +
                $"(CUDA, with the CPU as well), version 1.31 or later. ({e.GetBaseException().Message})", e);
        }
    }

    // The managed ONNX Runtime API fails in its static constructor when libonnxruntime is absent.
    private static bool IsMissingNativeRuntime(Exception e) =>
        e is DllNotFoundException || (e is TypeInitializationException && e.GetBaseException() is DllNotFoundException or EntryPointNotFoundException);

    private static SuperResolutionSession OpenSession(ModelSource model, SuperResolutionOptions options, bool validateOnly)
    {
        if (validateOnly)
        {
            using var cpu = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            return new SuperResolutionSession(CreateSession(model, cpu), model, options, "CPU", registrationFailure: "this session only reads the model's signature");
        }

        string? cudaFailure = null;
        if (options.GpuDeviceId is int deviceId)
        {
            // ONNX Runtime logs its own error line when the CUDA provider does not load; the exception says the
            // same, and is reported below (or, with the fallback, through CudaFailure), so the log is held back.
            var env = OrtEnv.Instance();
            bool locked = false;
            var logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
            try
            {
                Monitor.Enter(EnvLogLevelGate, ref locked);
                logLevel = env.EnvLogLevel;
                env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
                using var cuda = SessionOptions.MakeSessionOptionWithCudaProvider(deviceId);
                ApplyThreading(cuda, options);
                return new SuperResolutionSession(CreateSession(model, cuda, rethrowRuntimeErrors: true), model, options, $"CUDA (GPU {deviceId})");
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (!options.FallbackToCpu)
                    throw new InvalidOperationException(
                        $"Could not run the {model.Description} with ONNX Runtime's CUDA execution provider on GPU {deviceId}: {e.Message} " +
                        $"Reference the Microsoft.ML.OnnxRuntime.Gpu package and install CUDA, or set {nameof(SuperResolutionOptions.FallbackToCpu)} to run on the CPU.",
                        e);
                cudaFailure = e.Message;
            }
            finally
            {
                if (locked)
                {
                    env.EnvLogLevel = logLevel;
                    Monitor.Exit(EnvLogLevelGate);
                }
            }
        }

        string? registrationFailure = options.AttentionKernel ? null : "it was switched off";
        var session = OpenCpu(model, options, cudaFailure, ref registrationFailure);
        if (session.AttentionKernelFailure is null || registrationFailure is not null) return session;
        // The model expects another kernel version (known only once it is open): run its body instead.
        session.Dispose();
        registrationFailure = "the model expects another version";
        var body = OpenCpu(model, options, cudaFailure, ref registrationFailure);
        body.AttentionKernelFailure = session.AttentionKernelFailure;
        return body;
    }

    private static SuperResolutionSession OpenCpu(ModelSource model, SuperResolutionOptions options, string? cudaFailure, ref string? registrationFailure)
    {
        using var cpuOptions = new SessionOptions();
        ApplyThreading(cpuOptions, options);
        registrationFailure ??= AttentionKernel.TryRegister(cpuOptions);
        return new SuperResolutionSession(CreateSession(model, cpuOptions), model, options, "CPU", cudaFailure, registrationFailure);
    }

    /// <inheritdoc/>
    public void Run(Memory<float> input, int height, int width, Memory<float> output)
    {
        if (Interface.IsPlain(height, width))
        {
            RunModel(input, height, width, output);
            return;
        }
        var (runHeight, runWidth) = Interface.RunSize(height, width);
        if (runHeight < height || runWidth < width)
            throw new InvalidOperationException($"A {width}x{height} tile does not fit the {ModelDescription}'s fixed {runWidth}x{runHeight} input.");
        int scale = Scale, runPlane = runHeight * runWidth, outWidth = width * scale, outHeight = height * scale;
        float[] padded = ArrayPool<float>.Shared.Rent(3 * runPlane);
        float[] result = ArrayPool<float>.Shared.Rent(3 * runPlane * scale * scale);
        try
        {
            var source = new MirroredSource(width, height, 0, 0);
            ReadOnlySpan<float> tile = input.Span;
            float range = Interface.ValueRange;
            for (int c = 0; c < 3; c++)
            {
                int from = (Interface.Bgr ? 2 - c : c) * height * width;
                for (int y = 0; y < runHeight; y++)
                {
                    int row = from + source.Row(y) * width;
                    for (int x = 0; x < runWidth; x++)
                        padded[c * runPlane + y * runWidth + x] = tile[row + source.Column(x)] * range;
                }
            }
            RunModel(padded.AsMemory(0, 3 * runPlane), runHeight, runWidth, result.AsMemory(0, 3 * runPlane * scale * scale));
            Span<float> target = output.Span;
            float inverse = 1f / range;
            int runOutWidth = runWidth * scale, runOutPlane = runPlane * scale * scale;
            for (int c = 0; c < 3; c++)
            {
                int from = c * runOutPlane, to = (Interface.Bgr ? 2 - c : c) * outHeight * outWidth;
                for (int y = 0; y < outHeight; y++)
                    for (int x = 0; x < outWidth; x++)
                        target[to + y * outWidth + x] = result[from + y * runOutWidth + x] * inverse;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
            ArrayPool<float>.Shared.Return(result);
        }
    }

    private void RunModel(Memory<float> input, int height, int width, Memory<float> output)
    {
        long[] inputShape = [1, 3, height, width];
        long[] outputShape = [1, 3, (long)Scale * height, (long)Scale * width];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, inputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, outputShape);
        try
        {
            _session.Run(_runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime failed to run the {ModelDescription} on a {FormatShape(inputShape)} input, " +
                $"expecting a {FormatShape(outputShape)} output (scale {Scale}): {e.Message}", e);
        }
    }

    /// <summary>
    /// The scale of a model that does not declare one: the output size over the input size of one run on a
    /// small input, which must be the same whole number along both axes.
    /// </summary>
    private int ProbeScale()
    {
        var (height, width) = Interface.RunSize(16, 16);
        var input = new float[3 * height * width];
        Array.Fill(input, 0.5f * Interface.ValueRange);
        long[] inputShape = [1, 3, height, width];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        IReadOnlyList<long> shape;
        try
        {
            using var outputs = _session.Run(_runOptions, _inputNames, [inputValue], _outputNames);
            shape = outputs[0].GetTensorTypeAndShape().Shape;
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"The {ModelDescription} has no '{OnnxContract.Scale}' metadata, and a trial run on a " +
                $"{FormatShape(inputShape)} input to find its scale failed: {e.Message} Set {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.Scale)}.", e);
        }
        if (shape.Count == 4 && shape[1] == 3 && shape[2] % height == 0 && shape[3] % width == 0 && shape[2] / height == shape[3] / width && shape[2] >= height)
            return (int)(shape[2] / height);
        throw new InvalidOperationException($"The {ModelDescription} is not a single-image super-resolution model: a {FormatShape(inputShape)} input " +
            $"gives a {FormatShape(shape.ToArray())} output, not [1, 3, s*{height}, s*{width}] for a whole number s.");
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static void ApplyThreading(SessionOptions sessionOptions, SuperResolutionOptions options)
    {
        if (options.IntraOpNumThreads is int threads)
            sessionOptions.IntraOpNumThreads = threads;
    }

    private static InferenceSession CreateSession(ModelSource model, SessionOptions sessionOptions, bool rethrowRuntimeErrors = false)
    {
        try
        {
            return new InferenceSession(model.Bytes, sessionOptions);
        }
        catch (OnnxRuntimeException e) when (!rethrowRuntimeErrors)
        {
            throw new InvalidOperationException($"The {model.Description} is not a valid ONNX model: {e.Message}", e);
        }
    }

    private int ResolveScale(IReadOnlyDictionary<string, string> metadata, ModelSource model)
    {
        if (!metadata.TryGetValue(OnnxContract.Scale, out string? scaleText))
            return model.RequestedScale ?? ProbeScale();

        if (!int.TryParse(scaleText, NumberStyles.None, CultureInfo.InvariantCulture, out int scale) || scale < 1)
            throw new InvalidOperationException(
                $"The {model.Description} has '{OnnxContract.Scale}' metadata '{scaleText}', which is not a positive integer.");

        if (model.RequestedScale is int asked && asked != scale)
            throw new InvalidOperationException(
                $"Scale mismatch: {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.Scale)} is {asked}, " +
                $"but the {model.Description} upscales by {scale} (its '{OnnxContract.Scale}' metadata).");
        return scale;
    }

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
