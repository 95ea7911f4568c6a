namespace MLNet.SuperRes.Tests.TestData;

/// <summary>
/// Locates the team's shared folder: the sibling "shared" of the folder holding MLNet.SuperRes.sln.
/// Tests that need it fail loudly when it is missing; they never skip.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> root = new(FindRoot);

    public static string Root => root.Value;
    public static string Reference => Path.Combine(Root, "reference", "hspan-official");
    public static string Data => Path.Combine(Root, "data");

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MLNet.SuperRes.sln"))) return dir.FullName;
            throw new InvalidOperationException($"Could not find MLNet.SuperRes.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static string FindRoot()
    {
        var shared = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        if (!Directory.Exists(shared))
            throw new DirectoryNotFoundException($"The shared data folder '{shared}' (sibling of the repository) is missing; these tests need it.");
        return shared;
    }
}
