namespace MLNet.SuperRes.Tests;

/// <summary>
/// Locates the shared data folder: the sibling <c>shared</c> of the folder holding MLNet.SuperRes.sln,
/// found by walking up from the test assembly. Throws when it is missing; tests never skip.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> SharedRoot = new(FindRoot);

    /// <summary>The shared folder (../shared next to the repository root).</summary>
    public static string Root => SharedRoot.Value;

    /// <summary>Reference tensors from the official HSPAN code: shared/reference/hspan-official.</summary>
    public static string Reference => Existing(Path.Combine(Root, "reference", "hspan-official"));

    /// <summary>Images: shared/data (Set5, Set14, train/...).</summary>
    public static string Data => Existing(Path.Combine(Root, "data"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "MLNet.SuperRes.sln"))) continue;
            string shared = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
            if (!Directory.Exists(shared))
                throw new DirectoryNotFoundException(
                    $"The shared data folder '{shared}' (sibling of the repository root '{dir.FullName}') does not exist; the tests need it.");
            return shared;
        }
        throw new DirectoryNotFoundException(
            $"No folder holding MLNet.SuperRes.sln above the test assembly directory '{AppContext.BaseDirectory}', so ../shared cannot be found.");
    }

    private static string Existing(string path) => Directory.Exists(path)
        ? path
        : throw new DirectoryNotFoundException($"The shared data folder '{path}' does not exist; the tests need it.");
}
