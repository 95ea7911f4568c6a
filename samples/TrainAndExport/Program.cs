using MLNet.SuperRes.Trainer.Commands;
// The whole loop in one file: train a tiny HSPAN on the CPU with TorchSharp, export it to ONNX, score it
// as SR papers do, and run it as the SuperResolve stage of an ML.NET pipeline.
//
//   dotnet run -c Release --project samples/TrainAndExport -- [--data DIR[,DIR]] [--val DIR] [--iterations 300] [--out DIR]
//
// Defaults: train and score on the Upscale sample's test card, 300 iterations, output in a temporary folder.
// With the classic data: --data ../shared/data/train/T91 --val ../shared/data/Set5
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Training;

string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

string[] data = Option("data", Path.Combine(AppContext.BaseDirectory, "images")).Split(',');
string val = Option("val", data[0]);
int iterations = int.Parse(Option("iterations", "300"));
string outDir = Option("out", Path.Combine(Path.GetTempPath(), "superres-train-sample"));
if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true); // a fresh run each time

// 1. Train: a tiny HSPAN (1 group of 2 blocks, 16 features, top-k 16), L1 loss, Adam, lr halved at 2/3.
var options = new TrainOptions
{
    DataFolders = data,
    ValFolder = val,
    OutDir = outDir,
    Model = new HspanConfig { NResGroups = 1, NResBlocks = 2, NFeats = 16, Reduction = 2, TopK = 16, Scale = 2 },
    PatchSize = 24,
    BatchSize = 8,
    Iterations = iterations,
    LearningRate = 5e-4,
    DecaySteps = [iterations * 2 / 3],
    LogEvery = Math.Max(1, iterations / 6),
    ValEvery = iterations,
    LoaderThreads = 1,
};
var trained = new HspanTrainer(options).Run(resume: false);
Console.WriteLine($"Trained {trained.Iteration} iterations; last loss {trained.LastLoss:F4}.");

// 2. Export the checkpoint to ONNX (exact soft thresholding, dynamic image size).
string checkpoint = new CheckpointDirectory(outDir).ModelPath(CheckpointDirectory.Latest) ?? throw new InvalidOperationException($"training wrote no checkpoint in {outDir}");
string onnx = Path.Combine(outDir, "tiny-hspan-x2.onnx");
using (var network = HspanCheckpoint.Load(checkpoint))
    HspanOnnxExporter.Export(network, onnx, new OnnxExportInfo(checkpoint, trained.Iteration));
Console.WriteLine($"Exported {onnx} ({new FileInfo(onnx).Length / 1024.0:F0} KiB).");

// 3. Score the ONNX model as SR papers do (MATLAB bicubic LR, PSNR/SSIM on Y, border shaved), beside bicubic.
EvaluationReport tiny;
using (var resolver = (OnnxModelUpscaler)EvalModels.Open(onnx, 2))
    tiny = new Evaluator(resolver).EvaluateFolder(val, onnx, selfEnsemble: false);
var bicubic = new Evaluator(new MatlabBicubicUpscaler(2)).EvaluateFolder(val, "bicubic", selfEnsemble: false);
Console.WriteLine($"On {val}: tiny HSPAN {tiny.Mean.Psnr:F2} dB / {tiny.Mean.Ssim:F4}, bicubic {bicubic.Mean.Psnr:F2} dB / {bicubic.Mean.Ssim:F4}.");

// 4. Plug it into ML.NET: the exported model as the SuperResolve stage.
var mlContext = new MLContext();
string image = Evaluator.ImageFiles(val)[0];
var rows = mlContext.Data.LoadFromEnumerable(new[] { new ImageRow { Path = image } });
var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder: null, nameof(ImageRow.Path))
    .Append(mlContext.Transforms.SuperResolve(new SuperResolutionOptions
    {
        OutputColumnName = "Sharp",
        InputColumnName = "Image",
        ModelPath = onnx,
    }));
using var model = pipeline.Fit(rows);
var result = mlContext.Data.CreateEnumerable<ImageOutput>(model.Transform(rows), reuseRowObject: false).Single();
Console.WriteLine($"SuperResolve with the trained model: {Path.GetFileName(image)} {result.Image.Width}x{result.Image.Height} " +
                  $"-> {result.Sharp.Width}x{result.Sharp.Height}.");
bool ok = result.Sharp.Width == 2 * result.Image.Width && result.Sharp.Height == 2 * result.Image.Height;
result.Image.Dispose();
result.Sharp.Dispose();
return ok ? 0 : 1;

public sealed class ImageRow
{
    public string Path { get; set; } = "";
}

public sealed class ImageOutput
{
    public MLImage Image { get; set; } = null!;
    public MLImage Sharp { get; set; } = null!;
}
