using MLNet.SuperRes.Trainer.Files;

namespace MLNet.SuperRes.Trainer.Tests.Files;

public sealed class FileSetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("superres-fileset-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string[] FilesLeft() => Directory.GetFiles(_folder, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(_folder, f)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void ASetReplacesEveryFileAndLeavesNoTemporaryOne()
    {
        string a = Path.Combine(_folder, "a.png"), b = Path.Combine(_folder, "sub", "b.json");
        File.WriteAllBytes(a, [9]);
        FileSet.Write([(a, [1, 2]), (b, [3])]);
        Assert.Equal([1, 2], File.ReadAllBytes(a));
        Assert.Equal([3], File.ReadAllBytes(b));
        Assert.Equal(["a.png", Path.Combine("sub", "b.json")], FilesLeft());
    }

    [Fact]
    public void AFolderInTheWayOfOneFileWritesNothing()
    {
        string a = Path.Combine(_folder, "a.png"), b = Path.Combine(_folder, "b.json");
        File.WriteAllBytes(a, [9]);
        Directory.CreateDirectory(b);
        var error = Assert.Throws<IOException>(() => FileSet.Write([(a, [1]), (b, [2])]));
        Assert.Contains("a folder of that name is in the way; nothing was written", error.Message);
        Assert.Equal([9], File.ReadAllBytes(a));
        Assert.Equal(["a.png"], FilesLeft());
    }

    [Fact]
    public void AFileThatCannotBeWrittenLeavesTheOthersAsTheyWere()
    {
        string a = Path.Combine(_folder, "a.png"), blocker = Path.Combine(_folder, "blocker");
        File.WriteAllBytes(a, [9]);
        File.WriteAllBytes(blocker, [0]); // a file where the second target's folder should be
        var error = Assert.Throws<IOException>(() => FileSet.Write([(a, [1]), (Path.Combine(blocker, "b.json"), [2])]));
        Assert.Contains("nothing was written", error.Message);
        Assert.Equal([9], File.ReadAllBytes(a));
        Assert.Equal(["a.png", "blocker"], FilesLeft());
    }
}
