using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace MLNet.SuperRes.Engine.Attention;

/// <summary>
/// <see cref="SoftThresholdedAttention"/> as an ONNX Runtime custom operator on the CPU, written against the C
/// API (onnxruntime_c_api.h) with no native build: an <c>OrtCustomOp</c> table of unmanaged-callable functions in
/// a custom-op domain added to the session options. Models exported with the attention function
/// (<see cref="OnnxContract.AttentionOp"/> in <see cref="OnnxContract.AttentionDomain"/>) then run this kernel
/// in its place; without the registration ONNX Runtime runs the function's standard-op body. One table and one
/// domain serve every session of the process, so they live as long as it does.
/// </summary>
internal static unsafe class AttentionKernel
{
    /// <summary>The kernel version this runtime implements; exports record the one they expect (<see cref="OnnxContract.AttentionKernel"/>).</summary>
    public const int Version = 1;

    /// <summary>The OrtApi version with every function used here (KernelContext_ParallelFor came in 17).</summary>
    private const uint RequiredApiVersion = 17;

    // Places in struct OrtApi (onnxruntime_c_api.h), which only ever grows at its end.
    private const int CreateStatusIndex = 0;
    private const int CreateCustomOpDomainIndex = 26;
    private const int CustomOpDomainAddIndex = 27;
    private const int AddCustomOpDomainIndex = 28;
    private const int GetTensorMutableDataIndex = 51;
    private const int GetDimensionsCountIndex = 61;
    private const int GetDimensionsIndex = 62;
    private const int GetTensorTypeAndShapeIndex = 65;
    private const int KernelContextGetInputCountIndex = 88;
    private const int KernelContextGetInputIndex = 90;
    private const int KernelContextGetOutputIndex = 91;
    private const int GetErrorMessageIndex = 2;
    private const int ReleaseStatusIndex = 93;
    private const int ReleaseTensorTypeAndShapeInfoIndex = 99;
    private const int KernelContextParallelForIndex = 274;

    private const int OrtFail = 1; // OrtErrorCode ORT_FAIL
    private const int TensorFloat = 1; // ONNXTensorElementDataType FLOAT

    [StructLayout(LayoutKind.Sequential)]
    private struct OrtApiBase
    {
        public delegate* unmanaged<uint, nint*> GetApi;
        public delegate* unmanaged<byte*> GetVersionString;
    }

    /// <summary>struct OrtCustomOp up to GetEndVersion (its version 17 fields), then the later ones left null.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct OrtCustomOp
    {
        public uint Version;
        public nint CreateKernel;
        public delegate* unmanaged<OrtCustomOp*, byte*> GetName;
        public delegate* unmanaged<OrtCustomOp*, byte*> GetExecutionProviderType;
        public delegate* unmanaged<OrtCustomOp*, nuint, int> GetInputType;
        public delegate* unmanaged<OrtCustomOp*, nuint> GetInputTypeCount;
        public delegate* unmanaged<OrtCustomOp*, nuint, int> GetOutputType;
        public delegate* unmanaged<OrtCustomOp*, nuint> GetOutputTypeCount;
        public nint KernelCompute;
        public delegate* unmanaged<void*, void> KernelDestroy;
        public delegate* unmanaged<OrtCustomOp*, nuint, int> GetInputCharacteristic;
        public delegate* unmanaged<OrtCustomOp*, nuint, int> GetOutputCharacteristic;
        public delegate* unmanaged<OrtCustomOp*, nuint, int> GetInputMemoryType;
        public delegate* unmanaged<OrtCustomOp*, int> GetVariadicInputMinArity;
        public delegate* unmanaged<OrtCustomOp*, int> GetVariadicInputHomogeneity;
        public delegate* unmanaged<OrtCustomOp*, int> GetVariadicOutputMinArity;
        public delegate* unmanaged<OrtCustomOp*, int> GetVariadicOutputHomogeneity;
        public delegate* unmanaged<OrtCustomOp*, nint*, void*, void**, nint> CreateKernelV2;
        public delegate* unmanaged<void*, void*, nint> KernelComputeV2;
        public nint InferOutputShapeFn;
        public delegate* unmanaged<OrtCustomOp*, int> GetStartVersion;
        public delegate* unmanaged<OrtCustomOp*, int> GetEndVersion;
        public nint GetMayInplace;
        public nint ReleaseMayInplace;
        public nint GetAliasMap;
        public nint ReleaseAliasMap;
    }

    /// <summary>What one Compute hands the tasks it runs on ONNX Runtime's intra-op threads.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Job
    {
        public float* Queries, Keys, ValuesByPosition, Output;
        public int Positions, KeyChannels, ValueChannels, TasksPerImage;
        public int Failed;
    }

    private sealed record Registration(nint Api, nint Domain, string? Failure);

    private static readonly Lazy<Registration> registration = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private static nint api;

    [DllImport("onnxruntime", EntryPoint = "OrtGetApiBase")]
    private static extern OrtApiBase* OrtGetApiBase();

    /// <summary>
    /// Adds the kernel to CPU session options. Returns null when it is registered, otherwise why not (the
    /// session then runs the attention function's standard-op body); it never throws for a runtime it cannot use.
    /// </summary>
    public static string? TryRegister(SessionOptions options)
    {
        var r = registration.Value;
        if (r.Failure is not null) return r.Failure;
        var add = (delegate* unmanaged<nint, nint, nint>)Function(AddCustomOpDomainIndex);
        return Message(add(options.DangerousGetHandle(), r.Domain), "AddCustomOpDomain");
    }

    private static Registration Create()
    {
        try
        {
            var apiBase = OrtGetApiBase();
            if (apiBase is null) return new(0, 0, "ONNX Runtime gave no API table (OrtGetApiBase returned null).");
            nint* table = apiBase->GetApi(RequiredApiVersion);
            if (table is null)
                return new(0, 0, $"the ONNX Runtime loaded ({Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString())}) " +
                                 $"has no C API version {RequiredApiVersion}, which the attention kernel needs.");
            api = (nint)table;

            var op = (OrtCustomOp*)NativeMemory.AllocZeroed((nuint)sizeof(OrtCustomOp));
            op->Version = RequiredApiVersion;
            op->GetName = &GetName;
            op->GetExecutionProviderType = &GetExecutionProviderType;
            op->GetInputType = &GetFloatType;
            op->GetInputTypeCount = &GetInputTypeCount;
            op->GetOutputType = &GetFloatType;
            op->GetOutputTypeCount = &GetOutputTypeCount;
            op->KernelDestroy = &KernelDestroy;
            op->GetInputCharacteristic = &GetRequired;
            op->GetOutputCharacteristic = &GetRequired;
            op->GetInputMemoryType = &GetDefaultMemory;
            op->GetVariadicInputMinArity = &GetOne;
            op->GetVariadicInputHomogeneity = &GetOne;
            op->GetVariadicOutputMinArity = &GetOne;
            op->GetVariadicOutputHomogeneity = &GetOne;
            op->CreateKernelV2 = &CreateKernelV2;
            op->KernelComputeV2 = &KernelComputeV2;
            op->GetStartVersion = &GetStartVersion;
            op->GetEndVersion = &GetEndVersion;

            nint domain;
            var createDomain = (delegate* unmanaged<byte*, nint*, nint>)Function(CreateCustomOpDomainIndex);
            if (Message(createDomain(DomainName, &domain), "CreateCustomOpDomain") is { } domainFailure) return new(0, 0, domainFailure);
            var addOp = (delegate* unmanaged<nint, OrtCustomOp*, nint>)Function(CustomOpDomainAddIndex);
            if (Message(addOp(domain, op), "CustomOpDomain_Add") is { } addFailure) return new(0, 0, addFailure);
            return new(api, domain, null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new(0, 0, $"ONNX Runtime's native library does not offer its C API here ({e.Message}).");
        }
    }

    private static nint Function(int index) => ((nint*)api)[index];

    /// <summary>Null for a null status; otherwise its message, naming the call, and the status released.</summary>
    private static string? Message(nint status, string call)
    {
        if (status == 0) return null;
        var message = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<nint, byte*>)Function(GetErrorMessageIndex))(status));
        ((delegate* unmanaged<nint, void>)Function(ReleaseStatusIndex))(status);
        return $"ONNX Runtime's {call} failed: {message}";
    }

    private static nint Fail(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* text = bytes)
            return ((delegate* unmanaged<int, byte*, nint>)Function(CreateStatusIndex))(OrtFail, text);
    }

    private static byte* DomainName => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(OnnxContract.AttentionDomainUtf8));

    [UnmanagedCallersOnly]
    private static byte* GetName(OrtCustomOp* op) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(OnnxContract.AttentionOpUtf8));

    [UnmanagedCallersOnly]
    private static byte* GetExecutionProviderType(OrtCustomOp* op) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("CPUExecutionProvider\0"u8));

    [UnmanagedCallersOnly] private static int GetFloatType(OrtCustomOp* op, nuint index) => TensorFloat;
    [UnmanagedCallersOnly] private static nuint GetInputTypeCount(OrtCustomOp* op) => 3;
    [UnmanagedCallersOnly] private static nuint GetOutputTypeCount(OrtCustomOp* op) => 1;
    [UnmanagedCallersOnly] private static int GetRequired(OrtCustomOp* op, nuint index) => 0; // INPUT_OUTPUT_REQUIRED
    [UnmanagedCallersOnly] private static int GetDefaultMemory(OrtCustomOp* op, nuint index) => 0; // OrtMemTypeDefault
    [UnmanagedCallersOnly] private static int GetOne(OrtCustomOp* op) => 1;
    [UnmanagedCallersOnly] private static int GetStartVersion(OrtCustomOp* op) => Version;
    [UnmanagedCallersOnly] private static int GetEndVersion(OrtCustomOp* op) => Version;
    [UnmanagedCallersOnly] private static void KernelDestroy(void* kernel) { }

    [UnmanagedCallersOnly]
    private static nint CreateKernelV2(OrtCustomOp* op, nint* api, void* info, void** kernel)
    {
        *kernel = op; // stateless: any non-null pointer serves
        return 0;
    }

    [UnmanagedCallersOnly]
    private static nint KernelComputeV2(void* kernel, void* context)
    {
        try { return Compute((nint)context); }
        catch (Exception e) { return Fail($"{OnnxContract.AttentionOp}: {e.Message}"); }
    }

    /// <summary>
    /// How many times the kernel has run on this thread (ONNX Runtime's sequential executor computes each node on
    /// the thread that called Run): tests see the kernel run, not the body in its place.
    /// </summary>
    [ThreadStatic] internal static long RunsOnThisThread;

    private static nint Compute(nint context)
    {
        RunsOnThisThread++;
        var getInput = (delegate* unmanaged<nint, nuint, nint*, nint>)Function(KernelContextGetInputIndex);
        Span<nint> inputs = stackalloc nint[3];
        Span<long> dims = stackalloc long[12];
        for (int i = 0; i < 3; i++)
        {
            nint value;
            nint status = getInput(context, (nuint)i, &value);
            if (status != 0) return status;
            inputs[i] = value;
            status = Shape(value, dims.Slice(4 * i, 4), out string? shapeFailure);
            if (status != 0) return status;
            if (shapeFailure is not null) return Fail($"{OnnxContract.AttentionOp}: input {i} {shapeFailure}");
        }
        long n = dims[0], keyChannels = dims[1], height = dims[2], width = dims[3];
        if (dims[4] != n || dims[5] != keyChannels || dims[6] != height || dims[7] != width || dims[8] != n || dims[10] != height || dims[11] != width)
            return Fail($"{OnnxContract.AttentionOp}: queries [{Dims(dims[..4])}], keys [{Dims(dims[4..8])}] and values [{Dims(dims[8..])}] " +
                        "must share batch, height and width, and queries and keys their channels.");
        long valueChannels = dims[9], positions = height * width;
        if (positions > int.MaxValue / 4 || keyChannels > int.MaxValue || valueChannels > int.MaxValue)
            return Fail($"{OnnxContract.AttentionOp}: {positions} positions are more than the kernel takes.");

        Span<long> outputDims = [n, valueChannels, height, width];
        nint output;
        fixed (long* shape = outputDims)
        {
            nint status = ((delegate* unmanaged<nint, nuint, long*, nuint, nint*, nint>)Function(KernelContextGetOutputIndex))(context, 0, shape, 4, &output);
            if (status != 0) return status;
        }
        if (n == 0 || positions == 0 || valueChannels == 0) return 0;

        var data = (delegate* unmanaged<nint, void**, nint>)Function(GetTensorMutableDataIndex);
        void* queries, keys, values, result;
        nint failure;
        if ((failure = data(inputs[0], &queries)) != 0 || (failure = data(inputs[1], &keys)) != 0
            || (failure = data(inputs[2], &values)) != 0 || (failure = data(output, &result)) != 0)
            return failure;

        int l = (int)positions, c = (int)keyChannels, v = (int)valueChannels;
        float* byPosition = (float*)NativeMemory.AlignedAlloc((nuint)(n * positions * valueChannels * sizeof(float)), 64);
        try
        {
            for (long image = 0; image < n; image++)
                Transpose((float*)values + image * v * l, byPosition + image * v * l, v, l);
            var job = new Job
            {
                Queries = (float*)queries, Keys = (float*)keys, ValuesByPosition = byPosition, Output = (float*)result,
                Positions = l, KeyChannels = c, ValueChannels = v,
                TasksPerImage = (l + SoftThresholdedAttention.RowsPerTask - 1) / SoftThresholdedAttention.RowsPerTask,
            };
            var parallelFor = (delegate* unmanaged<nint, delegate* unmanaged<void*, nuint, void>, nuint, nuint, void*, nint>)Function(KernelContextParallelForIndex);
            nint status = parallelFor(context, &AttendTask, (nuint)(n * job.TasksPerImage), 0, &job);
            if (status != 0) return status;
            return job.Failed != 0 ? Fail($"{OnnxContract.AttentionOp}: a task failed (out of memory for its scratch?).") : 0;
        }
        finally
        {
            NativeMemory.AlignedFree(byPosition);
        }
    }

    /// <summary>The 4 dimensions of a float tensor; a status on an API failure, or a description of what is wrong with it.</summary>
    private static nint Shape(nint value, Span<long> dims, out string? failure)
    {
        failure = null;
        nint info;
        nint status = ((delegate* unmanaged<nint, nint*, nint>)Function(GetTensorTypeAndShapeIndex))(value, &info);
        if (status != 0) return status;
        try
        {
            nuint count;
            if ((status = ((delegate* unmanaged<nint, nuint*, nint>)Function(GetDimensionsCountIndex))(info, &count)) != 0) return status;
            if (count != 4)
            {
                failure = $"has {count} dimensions, not 4 ([N, C, H, W]).";
                return 0;
            }
            fixed (long* destination = dims)
                return ((delegate* unmanaged<nint, long*, nuint, nint>)Function(GetDimensionsIndex))(info, destination, 4);
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)Function(ReleaseTensorTypeAndShapeInfoIndex))(info);
        }
    }

    private static string Dims(ReadOnlySpan<long> dims)
    {
        var text = new StringBuilder();
        foreach (var d in dims) text.Append(text.Length == 0 ? "" : ", ").Append(d);
        return text.ToString();
    }

    /// <summary>[channels, positions] to [positions, channels], in 16 x 16 blocks.</summary>
    private static void Transpose(float* source, float* destination, int channels, int positions)
    {
        const int block = 16;
        for (int c0 = 0; c0 < channels; c0 += block)
            for (int p0 = 0; p0 < positions; p0 += block)
            {
                int cEnd = Math.Min(c0 + block, channels), pEnd = Math.Min(p0 + block, positions);
                for (int c = c0; c < cEnd; c++)
                    for (int p = p0; p < pEnd; p++)
                        destination[(long)p * channels + c] = source[(long)c * positions + p];
            }
    }

    [UnmanagedCallersOnly]
    private static void AttendTask(void* state, nuint index)
    {
        var job = (Job*)state;
        float* scratch = null;
        try
        {
            long image = (long)index / job->TasksPerImage;
            int firstRow = (int)((long)index % job->TasksPerImage) * SoftThresholdedAttention.RowsPerTask;
            int rows = Math.Min(SoftThresholdedAttention.RowsPerTask, job->Positions - firstRow);
            long scratchFloats = SoftThresholdedAttention.ScratchFloats(job->Positions, job->ValueChannels);
            scratch = (float*)NativeMemory.AlignedAlloc((nuint)(scratchFloats * sizeof(float)), 64);
            long keyPlane = (long)job->KeyChannels * job->Positions, valuePlane = (long)job->ValueChannels * job->Positions;
            SoftThresholdedAttention.AttendRows(job->Queries + image * keyPlane, job->Keys + image * keyPlane,
                job->ValuesByPosition + image * valuePlane, job->Output + image * valuePlane,
                job->Positions, job->KeyChannels, job->ValueChannels, firstRow, rows, scratch);
        }
        catch
        {
            Interlocked.Exchange(ref job->Failed, 1);
        }
        finally
        {
            NativeMemory.AlignedFree(scratch);
        }
    }
}
