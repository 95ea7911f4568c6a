using System.IO.Compression;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Samples;

/// <summary>
/// The NuGet package as a newcomer meets it: packed, added from a local folder feed to a fresh console
/// project (outside this repository, so none of its build settings help), and run.
/// </summary>
[Collection(DotnetCli.BuildsCollection)]
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("superres-package-").FullName;
    // A version of its own, so that no copy of an earlier build in the NuGet cache can stand in for this one.
    private readonly string _version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void Package_HoldsModelsDocsReadmeLicence_WorksInAFreshProject_AndNamesAMissingRuntime()
    {
        string feed = Path.Combine(_temp, "feed"), app = Path.Combine(_temp, "app");
        Dotnet($"pack src/MLNet.SuperRes/MLNet.SuperRes.csproj -c {DotnetCli.Configuration} -o \"{feed}\" -p:Version={_version} -nologo -v q", SharedData.RepoRoot);

        string package = Path.Combine(feed, $"MLNet.SuperRes.{_version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (string expected in new[] { "lib/net10.0/MLNet.SuperRes.dll", "lib/net10.0/MLNet.SuperRes.xml", "README.md", "LICENSE" })
                Assert.True(entries.Contains(expected), $"{expected} is not in the package: {string.Join(", ", entries)}");
            using var dll = new MemoryStream();
            using (var stream = zip.GetEntry("lib/net10.0/MLNet.SuperRes.dll")!.Open()) stream.CopyTo(dll);
            Assert.True(dll.Length > 18_000_000, $"MLNet.SuperRes.dll is {dll.Length} bytes; the three default models alone are about 20 MB.");
            string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open()).ReadToEnd();
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.Contains("<license type=\"file\">LICENSE</license>", nuspec);
        }

        Dotnet($"new console -o \"{app}\" --framework net10.0", _temp);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        Dotnet($"add package MLNet.SuperRes --version {_version}", app);
        Dotnet("add package Microsoft.ML.OnnxRuntime --version 1.31.0", app);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using MLNet.SuperRes;

            var mlContext = new MLContext();
            var data = mlContext.Data.LoadFromEnumerable(new[] { new Row { Path = args[0] } });
            var pipeline = mlContext.Transforms.LoadImages("Image", null, "Path")
                .Append(mlContext.Transforms.SuperResolve("Sharp", "Image", scale: 2));
            var sharp = pipeline.Fit(data).Transform(data).GetColumn<MLImage>("Sharp").Single();
            Console.WriteLine($"RESULT {sharp.Width}x{sharp.Height}");

            public sealed class Row { public string Path { get; set; } = ""; }
            """);
        string testCard = Path.Combine(SharedData.RepoRoot, "samples", "Upscale", "images", "test-card.png");
        string log = Dotnet($"run -c Release -- \"{testCard}\"", app);
        Assert.Contains("RESULT 480x320", log);

        // Without a native ONNX Runtime package the first use says which package to add.
        Dotnet("remove package Microsoft.ML.OnnxRuntime", app);
        var (exitCode, failure) = DotnetCli.Run($"run -c Release -- \"{testCard}\"", app, TimeSpan.FromMinutes(5));
        output.WriteLine(failure);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("must reference one ONNX Runtime native package: Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu", failure);
    }

    private string Dotnet(string arguments, string workingDirectory)
    {
        var (exitCode, log) = DotnetCli.Run(arguments, workingDirectory, TimeSpan.FromMinutes(5));
        output.WriteLine($"$ dotnet {arguments}\n{log}");
        Assert.True(exitCode == 0, $"'dotnet {arguments}' failed ({exitCode}):\n{log}");
        return log;
    }

    public void Dispose()
    {
        Directory.Delete(_temp, recursive: true);
        // Leave no test build of the package in the NuGet cache.
        var (_, locals) = DotnetCli.Run("nuget locals global-packages --list", Path.GetTempPath(), TimeSpan.FromMinutes(1));
        string? cache = locals.Split(':', 2).ElementAtOrDefault(1)?.Trim();
        if (cache is not null && Directory.Exists(Path.Combine(cache, "mlnet.superres", _version.ToLowerInvariant())))
            Directory.Delete(Path.Combine(cache, "mlnet.superres", _version.ToLowerInvariant()), recursive: true);
    }
}
