using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MLNet.SuperRes.Tests")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Benchmarks")]
[assembly: InternalsVisibleTo("OnnxExportBenchmark")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Trainer")]
