using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace MLNet.SuperRes.Tests.Samples;

/// <summary>Runs the dotnet CLI as a child process and captures everything it prints.</summary>
internal static class DotnetCli
{
    /// <summary>The configuration this test assembly was built in; samples are built and run in the same one.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    public static (int ExitCode, string Output) Run(string arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // --blame-crash asks the runtime for a dump on any crash through these, and children inherit them: a sample
        // that is meant to fail (a consumer without ONNX Runtime's native package) would leave a 90 MB dump among the
        // test host's. A child's failure is its exit code and output here.
        foreach (string variable in new[] { "DOTNET_DbgEnableMiniDump", "COMPlus_DbgEnableMiniDump" })
            start.Environment.Remove(variable);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'dotnet {arguments}' did not finish within {timeout}:\n{output}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>
    /// Runs a built sample's program directly (no 'dotnet run' in between, so the signal reaches it), sends it
    /// <paramref name="signal"/> (INT, as Ctrl+C does; KILL, as a machine lost) once <paramref name="readyLine"/>
    /// has appeared and <paramref name="delay"/> has passed, and waits for it to exit.
    /// </summary>
    public static (int ExitCode, string Output) RunAndInterrupt(string project, string arguments, string readyLine, TimeSpan delay, TimeSpan timeout,
        string signal = "INT")
    {
        string dll = Path.Combine(SharedData.RepoRoot, Path.GetDirectoryName(project)!, "bin", Configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            WorkingDirectory = SharedData.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var output = new StringBuilder();
        using var ready = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains(readyLine, StringComparison.Ordinal)) ready.Set();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.True(ready.Wait(timeout), $"'{readyLine}' did not appear:\n{output}");
            Thread.Sleep(delay);
            using (var kill = Process.Start("kill", $"-{signal} {process.Id}"))
                kill.WaitForExit();
            Assert.True(process.WaitForExit(timeout), $"the sample did not stop after SIGINT:\n{output}");
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>
    /// The test classes that run dotnet builds and packs of the repository's projects: one at a time, because two
    /// builds (a pack with its own version, a sample) writing src/ outputs at once corrupt each other.
    /// </summary>
    public const string BuildsCollection = "dotnet builds of the repository";

    private static readonly ConcurrentDictionary<string, Lazy<(int ExitCode, string Log)>> Builds = new();

    /// <summary>
    /// Builds a sample once per test run (a no-op when the solution build already did) and fails the test with
    /// the log if it does not build.
    /// </summary>
    public static void Build(string project)
    {
        var (exitCode, log) = Builds.GetOrAdd(project, p => new Lazy<(int, string)>(
            () => Run($"build \"{p}\" -c {Configuration} -nologo -v q", SharedData.RepoRoot, TimeSpan.FromMinutes(10)))).Value;
        Assert.True(exitCode == 0, $"building {project} failed:\n{log}");
    }

    /// <summary>Runs a built sample with <paramref name="arguments"/> from the repository root.</summary>
    public static (int ExitCode, string Output) RunSample(string project, string arguments, TimeSpan timeout) =>
        Run($"run --project \"{project}\" -c {Configuration} --no-build -- {arguments}", SharedData.RepoRoot, timeout);
}
