using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Tests.Files;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-atomic-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void AWriteThatFailsHalfWayLeavesTheOldFileAndNoTemporaryOne()
    {
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, [1, 2, 3]);

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        Assert.Contains("No space left", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AWriteReplacesTheFileWholeAndCreatesItsFolder()
    {
        var path = Path.Combine(dir, "sub", "state.json");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second");
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }
}
