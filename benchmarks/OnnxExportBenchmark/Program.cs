// Speed of exported HSPAN models in ONNX Runtime (CPU provider, ORT_ENABLE_ALL), beside the same
// network run eagerly by TorchSharp (libtorch) with the official soft thresholding (TopK, retried
// with 2k while supports fill k). Not a test: timings depend on the machine and its load.
//
//   dotnet run -c Release --project benchmarks/OnnxExportBenchmark -- [--runs N] [--threads T] [--paper] [--profile]
//
// Target (issue 3): the 4-group / 4-block / 64-feature x2 network on a 48x48 input with 2
// intra-op threads takes about 0.19 s or less.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Export;
using Onnx;
using static TorchSharp.torch;

int runs = 30, threads = 2;
bool paper = false, profile = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--paper": paper = true; break;
        case "--profile": profile = true; break;
        default:
            Console.Error.WriteLine("usage: OnnxExportBenchmark [--runs N] [--threads T] [--paper] [--profile]");
            return 2;
    }
}

OnnxRuntimeLog.TryStartCapture();
Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {Environment.ProcessorCount} logical CPUs, {threads} intra-op threads, ORT_ENABLE_ALL.");

var input = OnnxVerifier.RandomInput(1, 48, 48).data<float>().ToArray();
long[] inputShape = { 1, 3, 48, 48 };

manual_seed(2023);
using var target = new Hspan(new HspanConfig { NResGroups = 4, NResBlocks = 4, NFeats = 64, Scale = 2, TopK = 128, ResScale = 0.1 });
var exact = HspanOnnxExporter.Build(target, new OnnxExportInfo("random-4x4x64"));
var exactBytes = exact.ToByteArray();

Console.WriteLine();
Console.WriteLine("4 groups x 4 blocks x 64 features, x2, top-k 128, random weights, input 1x3x48x48:");
var onnxTimes = TimeInterleaved(new[] { exactBytes }, runs)[0];
Report("ONNX Runtime, the exported graph (exact sparsemax by Michelot steps, no sorting)", onnxTimes);
Report("TorchSharp eager, the official algorithm (TopK 128, rows whose support fills k again with 2k, ...)", TimeTorch(target, runs));
Console.WriteLine("  target (issue 3): exported model <= 190 ms (0.19 / 0.23 = 0.83 of PyTorch's own export).");
OnnxComparison comparison;
using (var exactInput = tensor(input, inputShape)) comparison = OnnxVerifier.Compare(target, exactBytes, exactInput);
Console.WriteLine($"  ONNX Runtime vs TorchSharp on this input: max abs {comparison.MaxAbsDifference:E2}, mean abs {comparison.MeanAbsDifference:E2}");
if (profile) Profile(exactBytes);

if (paper)
{
    Console.WriteLine();
    Console.WriteLine("Paper size: 10 groups x 4 blocks x 192 features, x2, top-k 128, random weights:");
    manual_seed(2024);
    using var paperModel = new Hspan(new HspanConfig());
    long parameters = paperModel.parameters().Sum(p => p.numel());
    var path = Path.Combine(Path.GetTempPath(), $"hspan-paper-{Environment.ProcessId}.onnx");
    try
    {
        var clock = Stopwatch.StartNew();
        HspanOnnxExporter.Export(paperModel, path, new OnnxExportInfo("random-paper"));
        clock.Stop();
        Console.WriteLine($"  {parameters / 1e6:F2} M parameters; export {clock.Elapsed.TotalSeconds:F2} s; ONNX file {new FileInfo(path).Length / 1048576.0:F1} MiB");
        var bytes = File.ReadAllBytes(path);
        clock.Restart();
        using var warm = new OnnxRuntimeRunner(bytes, threads);
        clock.Stop();
        Console.WriteLine($"  session creation {clock.Elapsed.TotalSeconds:F2} s");
        Report("48x48 input", TimeInterleaved(new[] { bytes }, Math.Max(3, runs / 5))[0]);
        var paperComparison = OnnxVerifier.Compare(paperModel, bytes, tensor(input, inputShape));
        Console.WriteLine($"  ONNX Runtime vs TorchSharp on this input: max abs {paperComparison.MaxAbsDifference:E2}, mean abs {paperComparison.MeanAbsDifference:E2}");
    }
    finally { File.Delete(path); }
}

Console.WriteLine();
var messages = OnnxRuntimeLog.Messages;
Console.WriteLine(messages.Count == 0
    ? "ONNX Runtime logged no warnings or errors (log captured at WARNING level)."
    : $"ONNX Runtime logged {messages.Count} message(s):\n  " + string.Join("\n  ", messages));
return messages.Count == 0 ? 0 : 1;

List<double>[] TimeInterleaved(byte[][] models, int count)
{
    using var options = OnnxRuntimeRunner.CreateOptions(threads);
    var sessions = models.Select(m => new InferenceSession(m, options)).ToArray();
    try
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();
        foreach (var session in sessions)
            for (int i = 0; i < 2; i++) Run(session, runOptions, value);
        var times = models.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < count; i++)
            for (int m = 0; m < sessions.Length; m++)
            {
                var clock = Stopwatch.StartNew();
                Run(sessions[m], runOptions, value);
                times[m].Add(clock.Elapsed.TotalSeconds);
            }
        return times;
    }
    finally { foreach (var session in sessions) session.Dispose(); }
}

// The exporter's models have one input and one output.
static void Run(InferenceSession session, RunOptions runOptions, OrtValue value) =>
    session.Run(runOptions, [session.InputNames.Single()], [value], [session.OutputNames.Single()]).Dispose();

static double Median(List<double> times)
{
    var sorted = times.OrderBy(t => t).ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static void Report(string label, List<double> times) =>
    Console.WriteLine($"  {label}: median {Median(times) * 1000:F1} ms, min {times.Min() * 1000:F1} ms, mean {times.Average() * 1000:F1} ms over {times.Count} runs");

List<double> TimeTorch(Hspan model, int count)
{
    set_num_threads(threads);
    model.eval();
    using var noGrad = no_grad();
    using var x = tensor(input, inputShape);
    // A scope per run frees the forward's temporaries there, not in the finalizer (docs/TORCHSHARP-LIFETIMES.md).
    for (int i = 0; i < 2; i++)
        using (NewDisposeScope()) model.call(x);
    var times = new List<double>();
    for (int i = 0; i < count; i++)
    {
        var clock = Stopwatch.StartNew();
        using (NewDisposeScope()) model.call(x);
        times.Add(clock.Elapsed.TotalSeconds);
    }
    return times;
}

// Per-node kernel times from ONNX Runtime's profiler. Each node's fastest run is kept, which
// filters out other processes' load; Loop and If nodes are shown apart because their time
// includes the nodes of the body they ran, which are also listed on their own.
void Profile(byte[] model)
{
    const int profiledRuns = 20;
    using var options = OnnxRuntimeRunner.CreateOptions(threads);
    options.EnableProfiling = true;
    options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "hspan-ort-profile");
    string file;
    using (var session = new InferenceSession(model, options))
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();
        for (int i = 0; i < profiledRuns; i++)
            Run(session, runOptions, value);
        file = session.EndProfiling();
    }
    using var document = JsonDocument.Parse(File.ReadAllText(file));
    var fastest = new Dictionary<string, (string Op, double Micros)>();
    foreach (var e in document.RootElement.EnumerateArray())
    {
        if (e.GetProperty("cat").GetString() != "Node" || !e.TryGetProperty("args", out var a) || !a.TryGetProperty("op_name", out var op)) continue;
        var node = e.GetProperty("name").GetString()!;
        if (!node.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
        double micros = e.GetProperty("dur").GetDouble();
        fastest[node] = fastest.TryGetValue(node, out var seen) ? (seen.Op, Math.Min(seen.Micros, micros)) : (op.GetString()!, micros);
    }
    File.Delete(file);
    var byOp = fastest.Values.Where(v => v.Op is not ("If" or "Loop")).GroupBy(v => v.Op)
        .Select(g => (Op: g.Key, Millis: g.Sum(v => v.Micros) / 1000, Count: g.Count())).OrderByDescending(g => g.Millis).ToList();
    double total = byOp.Sum(g => g.Millis);
    Console.WriteLine($"  ONNX Runtime profile, fastest of {profiledRuns} runs per node: {total:F1} ms of kernels");
    foreach (var (op, millis, count) in byOp)
        Console.WriteLine($"    {op,-22} {millis,8:F2} ms  {100 * millis / total,5:F1} %  ({count} nodes)");
    var loops = fastest.Where(kv => kv.Value.Op is "Loop" or "If").ToList();
    Console.WriteLine($"  Loop and If nodes: {loops.Count}, {loops.Sum(kv => kv.Value.Micros) / 1000:F2} ms in all, their bodies included");
    Console.WriteLine("  Costliest nodes (ms), Loop and If nodes including their bodies:");
    foreach (var (node, (op, micros)) in fastest.OrderByDescending(kv => kv.Value.Micros).Take(30))
        Console.WriteLine($"    {micros / 1000,8:F2}  {node}");
}
