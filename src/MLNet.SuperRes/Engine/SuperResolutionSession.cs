using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// One ONNX Runtime session over an HSPAN-style model: checks the model's signature and scale, picks the
/// execution provider (CUDA with optional CPU fallback, as ML.NET's ApplyOnnxModel does), and runs one tile.
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// is thread-safe, so a single instance serves every thread.
/// </summary>
internal sealed class SuperResolutionSession : ITileNetwork, IDisposable
{
    private static readonly string[] InputNames = [OnnxContract.InputName];
    private static readonly string[] OutputNames = [OnnxContract.OutputName];

    private static readonly object EnvLogLevelGate = new();

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private SuperResolutionSession(InferenceSession session, ModelSource model, string executionProvider, string? cudaFailure = null)
    {
        _session = session;
        ModelDescription = model.Description;
        ExecutionProvider = executionProvider;
        CudaFailure = cudaFailure;
        try
        {
            Metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
            CheckSignature(session, model.Description);
            Scale = ResolveScale(Metadata, model);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Scale { get; }

    public string ModelDescription { get; }

    /// <summary><c>CPU</c>, or <c>CUDA (GPU n)</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA did not start when the session fell back to the CPU; otherwise null.</summary>
    public string? CudaFailure { get; }

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
            return new SuperResolutionSession(CreateSession(model, cpu), model, "CPU");
        }

        string? cudaFailure = null;
        if (options.GpuDeviceId is int deviceId)
        {
            // ONNX Runtime logs its own error line when the CUDA provider does not load; the exception says the
            // same, and is reported below (or, with the fallback, through CudaFailure), so the log is held back.
            var env = OrtEnv.Instance();
            Monitor.Enter(EnvLogLevelGate);
            var logLevel = env.EnvLogLevel;
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                using var cuda = SessionOptions.MakeSessionOptionWithCudaProvider(deviceId);
                ApplyThreading(cuda, options);
                return new SuperResolutionSession(CreateSession(model, cuda, rethrowRuntimeErrors: true), model, $"CUDA (GPU {deviceId})");
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
                env.EnvLogLevel = logLevel;
                Monitor.Exit(EnvLogLevelGate);
            }
        }

        using var cpuOptions = new SessionOptions();
        ApplyThreading(cpuOptions, options);
        return new SuperResolutionSession(CreateSession(model, cpuOptions), model, "CPU", cudaFailure);
    }

    /// <inheritdoc/>
    public void Run(Memory<float> input, int height, int width, Memory<float> output)
    {
        long[] inputShape = [1, 3, height, width];
        long[] outputShape = [1, 3, (long)Scale * height, (long)Scale * width];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, inputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, outputShape);
        try
        {
            _session.Run(_runOptions, InputNames, [inputValue], OutputNames, [outputValue]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime failed to run the {ModelDescription} on a {FormatShape(inputShape)} input, " +
                $"expecting a {FormatShape(outputShape)} output (scale {Scale}): {e.Message}", e);
        }
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

    private static void CheckSignature(InferenceSession session, string modelDescription)
    {
        var problems = new List<string>();

        if (session.InputMetadata.Count != 1 || !session.InputMetadata.TryGetValue(OnnxContract.InputName, out NodeMetadata? input))
            problems.Add($"expected one input '{OnnxContract.InputName}' float32 [N, 3, H, W], got {DescribeAll(session.InputMetadata)}");
        else if (!IsImageTensor(input, requireDynamicSize: true))
            problems.Add($"expected input '{OnnxContract.InputName}' float32 [N, 3, H, W] with dynamic H and W, got {Describe(OnnxContract.InputName, input)}");

        if (!session.OutputMetadata.TryGetValue(OnnxContract.OutputName, out NodeMetadata? output))
            problems.Add($"expected an output '{OnnxContract.OutputName}' float32 [N, 3, s*H, s*W], got {DescribeAll(session.OutputMetadata)}");
        else if (!IsImageTensor(output, requireDynamicSize: false))
            problems.Add($"expected output '{OnnxContract.OutputName}' float32 [N, 3, s*H, s*W], got {Describe(OnnxContract.OutputName, output)}");

        if (problems.Count > 0)
            throw new InvalidOperationException(
                $"The {modelDescription} is not an HSPAN-style super-resolution model: {string.Join("; ", problems)}.");
    }

    private static bool IsImageTensor(NodeMetadata node, bool requireDynamicSize)
    {
        if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
            return false;
        int[] dims = node.Dimensions;
        if (dims.Length != 4 || dims[1] != 3 || dims[0] is not (-1 or 1))
            return false;
        return !requireDynamicSize || (dims[2] == -1 && dims[3] == -1);
    }

    private static int ResolveScale(IReadOnlyDictionary<string, string> metadata, ModelSource model)
    {
        if (metadata.TryGetValue(OnnxContract.InputColorOrder, out string? order) && !string.Equals(order, "RGB", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"The {model.Description} declares {OnnxContract.InputColorOrder}={order}; MLNet.SuperRes feeds RGB.");

        if (!metadata.TryGetValue(OnnxContract.Scale, out string? scaleText))
        {
            if (model.RequestedScale is int requested)
                return requested;
            throw new InvalidOperationException(
                $"The {model.Description} has no '{OnnxContract.Scale}' metadata, so its upscaling factor is unknown: " +
                $"set {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.Scale)} to it.");
        }

        if (!int.TryParse(scaleText, NumberStyles.None, CultureInfo.InvariantCulture, out int scale) || scale < 1)
            throw new InvalidOperationException(
                $"The {model.Description} has '{OnnxContract.Scale}' metadata '{scaleText}', which is not a positive integer.");

        if (model.RequestedScale is int asked && asked != scale)
            throw new InvalidOperationException(
                $"Scale mismatch: {nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.Scale)} is {asked}, " +
                $"but the {model.Description} upscales by {scale} (its '{OnnxContract.Scale}' metadata).");
        return scale;
    }

    private static string DescribeAll(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(n => Describe(n.Key, n.Value)));

    private static string Describe(string name, NodeMetadata node)
    {
        if (!node.IsTensor)
            return $"'{name}' of kind {node.OnnxValueType}";
        string[] symbols = node.SymbolicDimensions;
        var dims = node.Dimensions.Select((d, i) =>
            d >= 0 ? d.ToString(CultureInfo.InvariantCulture)
            : i < symbols.Length && !string.IsNullOrEmpty(symbols[i]) ? symbols[i] : "?");
        return $"'{name}' {ElementTypeName(node.ElementDataType)} [{string.Join(", ", dims)}]";
    }

    private static string ElementTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Double => "float64",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
