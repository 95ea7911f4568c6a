using System.Buffers.Binary;
using System.Text;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Torch;
using MLNet.SuperRes.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Checkpoints;

/// <summary>Damaged or malformed checkpoints are refused by name in every verb that reads one.</summary>
public sealed class DamagedCheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-damaged-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Hspan Tiny() => new(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 8, Scale = 2 });

    private static (int Code, string Error) Export(params string[] args)
    {
        var error = new StringWriter();
        return (ExportCommand.Run(args, new StringWriter(), error), error.ToString());
    }

    private static void WriteSafeTensors(string path, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData("""{"head.0.weight":{"shape":[1],"data_offsets":[0,4]}}""", "tensor 'head.0.weight' is malformed (it has no 'dtype')")]
    [InlineData("""{"head.0.weight":{"dtype":"F32","data_offsets":[0,4]}}""", "tensor 'head.0.weight' is malformed (it has no 'shape')")]
    [InlineData("""{"head.0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "'data_offsets' has 1 numbers, not 2")]
    [InlineData("""{"head.0.weight":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}""", "tensor 'head.0.weight' is malformed")]
    [InlineData("""{"head.0.weight":[1,2]}""", "tensor 'head.0.weight' is malformed (it is not a JSON object)")]
    [InlineData("""{"head.0.weight":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "negative dimension")]
    public void AMalformedSafetensorsHeaderIsNamedInEveryVerb(string header, string message)
    {
        var path = Path.Combine(dir, "bad.safetensors");
        WriteSafeTensors(path, header, 4);

        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => EvalModels.Open(path, 2)).Message);
        var (code, error) = Export("--checkpoint", path, "--output", Path.Combine(dir, "m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void FlippedBytesInASnapshotAreRefusedByEvalAndExport()
    {
        var run = Path.Combine(dir, "run");
        using (var model = Tiny())
        using (var optimizer = new MLNet.SuperRes.Trainer.Torch.Adam(model.parameters(), 1e-3, 0.9, 0.999, 1e-8))
            new CheckpointDirectory(run).Save(CheckpointDirectory.Latest, model, optimizer, new TrainingState { Options = new TrainOptions { Iterations = 5 } });
        var file = Path.Combine(run, CheckpointDirectory.Latest, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        for (int i = 0; i < 16; i++) bytes[bytes.Length - 1 - 13 * i] ^= 0x21;
        File.WriteAllBytes(file, bytes);

        Assert.Contains("is damaged", Assert.Throws<InvalidDataException>(() => EvalModels.Open(run, 2)).Message);
        Assert.Contains("is damaged", Assert.Throws<InvalidDataException>(() => EvalModels.Open(file, 2)).Message);
        var (code, error) = Export("--checkpoint", file, "--output", Path.Combine(dir, "m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("is damaged", error);
    }

    [Fact]
    public void AFailedExportLeavesAnExistingModelAsItWas_AndASuccessfulOneLeavesNoTemporaryFile()
    {
        var checkpoint = Path.Combine(dir, "ok.safetensors");
        using (var model = Tiny()) HspanCheckpoint.Save(model, checkpoint);
        var onnx = Path.Combine(dir, "out", "m.onnx");
        var (code, error) = Export("--checkpoint", checkpoint, "--output", onnx);
        Assert.True(code == 0, error);
        Assert.Equal(["m.onnx"], Directory.GetFiles(Path.GetDirectoryName(onnx)!).Select(Path.GetFileName));
        var before = File.ReadAllBytes(onnx);

        var bogus = Path.Combine(dir, "bogus.safetensors");
        File.WriteAllText(bogus, "not a model");
        (code, _) = Export("--checkpoint", bogus, "--output", onnx);
        Assert.Equal(1, code);
        Assert.Equal(before, File.ReadAllBytes(onnx));
        Assert.Equal(["m.onnx"], Directory.GetFiles(Path.GetDirectoryName(onnx)!).Select(Path.GetFileName));
    }
}
